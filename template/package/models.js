// Renders models.py. Helpers are CommonJS, so they are required (not imported) and stay outside the bundle.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../helpers/context');
const { renderModelsModule } = require('../../components/models');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir, params: options } = templateContext({ asyncapi, params, originalAsyncAPI });
  return <File name="models.py">{renderModelsModule(ir, options)}</File>;
}
