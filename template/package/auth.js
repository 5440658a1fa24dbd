// Renders auth.py: the runtime's auth module re-exported under the package's name.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../helpers/context');
const { renderAuth } = require('../../components/package-files');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { params: options } = templateContext({ asyncapi, params, originalAsyncAPI });
  return <File name="auth.py">{renderAuth(options)}</File>;
}
