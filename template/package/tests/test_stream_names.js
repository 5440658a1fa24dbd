// Renders tests/test_stream_names.py (streams specs only). Helpers are CommonJS, so they are required.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../../helpers/context');
const { renderStreamNamesTest } = require('../../../components/stream-tests');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir } = templateContext({ asyncapi, params, originalAsyncAPI });
  if (ir.kind !== 'streams') return null;
  return <File name="test_stream_names.py">{renderStreamNamesTest(ir)}</File>;
}
