'use strict';
const { validateParams, normalizeParams, parameterProblems } = require('../../helpers/params');

describe('template parameters', () => {
  it('fills defaults and trims CLI strings', () => {
    expect(normalizeParams({ packageName: ' spot_ws ', version: '1.2.3' })).toMatchObject({ packageName: 'spot_ws', version: '1.2.3', moduleName: 'binance-websocket-client' });
  });

  it('treats values as strings (the CLI passes strings; numbers from YAML are accepted too)', () => {
    expect(validateParams({ version: 2 }).version).toBe('2');
  });

  it.each([
    [{ packageName: 'my-package' }, /not a Python identifier/],
    [{ packageName: '1spot' }, /not a Python identifier/],
    [{ packageName: 'class' }, /is a Python keyword/],
    [{ packageName: 'websockets' }, /would shadow/],
    [{ version: 'one' }, /not a PEP 440 version/],
    [{ version: '1.0.0-beta!' }, /not a PEP 440 version/],
    [{ moduleName: 'bad name' }, /not a valid distribution name/],
    [{ moduleKind: 'options' }, /moduleKind/],
    [{ author: 'a"b' }, /author/],
  ])('refuses %j', (params, message) => {
    expect(() => validateParams(params)).toThrow(message);
  });

  it('accepts PEP 440 versions in their usual forms', () => {
    for (const version of ['0.1.0', '1.0rc1', '2.0.post1', '1.0.dev3', '1!2.0', '1.0+local.1']) {
      expect(parameterProblems(normalizeParams({ version }))).toEqual([]);
    }
  });

  it('lists every problem at once', () => {
    expect(parameterProblems(normalizeParams({ packageName: 'def', version: 'x' }))).toHaveLength(2);
  });
});
