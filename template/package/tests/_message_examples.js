// Renders _message_examples.py. Helpers are CommonJS, so they are required (not imported) and stay outside the bundle.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../../helpers/context');
const { renderMessageExamplesModule } = require('../../../components/message-examples');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir } = templateContext({ asyncapi, params, originalAsyncAPI });
  return <File name="_message_examples.py">{renderMessageExamplesModule(ir)}</File>;
}
