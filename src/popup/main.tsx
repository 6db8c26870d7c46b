/** The popup's entry: the real extension actions over webextension-polyfill, rendered by `App`. */
import { render } from 'preact';
import browser from 'webextension-polyfill';
import { createBrowserActions } from './actions';
import { App } from './App';

const root = document.getElementById('app');
if (root) render(<App actions={createBrowserActions(browser, { search: location.search })} />, root);
