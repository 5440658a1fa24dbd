// Renders client.py. Helpers are CommonJS, so they are required (not imported) and stay outside the bundle.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../helpers/context');
const { renderClientModule } = require('../../components/client');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir, params: options } = templateContext({ asyncapi, params, originalAsyncAPI });
  return <File name="client.py">{renderClientModule(ir, options)}</File>;
}
