// Renders _mock_data.py. Helpers are CommonJS, so they are required (not imported) and stay outside the bundle.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../helpers/context');
const { renderMockDataModule } = require('../../components/mock-data');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir, params: options } = templateContext({ asyncapi, params, originalAsyncAPI });
  return <File name="_mock_data.py">{renderMockDataModule(ir, options)}</File>;
}
