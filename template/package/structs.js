// Renders structs.py (streams specs only). Helpers are CommonJS, so they are required (not imported).
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../helpers/context');
const { renderStructsModule } = require('../../components/structs');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir, params: options } = templateContext({ asyncapi, params, originalAsyncAPI });
  if (ir.kind !== 'streams') return null;
  return <File name="structs.py">{renderStructsModule(ir, options)}</File>;
}
