/** The popup's entry: the real extension actions over webextension-polyfill, rendered by `App`, in the user's language. */
import { render } from 'preact';
import browser from 'webextension-polyfill';
import { t, uiLanguage } from '../shared/i18n';
import { createBrowserActions } from './actions';
import { App } from './App';

document.documentElement.lang = uiLanguage();
document.title = t('extName');
const root = document.getElementById('app');
if (root) render(<App actions={createBrowserActions(browser, { search: location.search })} />, root);
