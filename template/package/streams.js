// Renders streams.py. Helpers are CommonJS, so they are required (not imported) and stay outside the bundle.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../helpers/context');
const { renderStreamsModule } = require('../../components/streams');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir } = templateContext({ asyncapi, params, originalAsyncAPI });
  if (ir.kind !== 'streams') return null;
  return <File name="streams.py">{renderStreamsModule(ir)}</File>;
}
