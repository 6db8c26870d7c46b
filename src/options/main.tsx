/** The options page's entry: contacts and own identity, in the user's language. */
import { render } from 'preact';
import browser from 'webextension-polyfill';
import { t, uiLanguage } from '../shared/i18n';
import { createOptionsActions } from './options-actions';
import { OptionsApp } from './OptionsPage';

document.documentElement.lang = uiLanguage();
document.title = t('options_title');
const root = document.getElementById('app');
if (root) render(<OptionsApp actions={createOptionsActions(browser)} />, root);
