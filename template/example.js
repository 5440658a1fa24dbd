// Renders example.py. Helpers are CommonJS, so they are required (not imported) and stay outside the bundle.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../helpers/context');
const { renderExample } = require('../components/readme');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir, params: options } = templateContext({ asyncapi, params, originalAsyncAPI });
  return <File name="example.py">{renderExample(ir, options)}</File>;
}
