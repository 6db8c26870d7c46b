import { render } from 'preact';
render(<p>CallSeal</p>, document.getElementById('app')!);
