/** Unit tests run in Node, without chrome.i18n: the English catalog stands in for it (src/shared/i18n.ts). */
import english from '../../public/_locales/en/messages.json';
import { catalogLookup, setMessageLookup } from '../../src/shared/i18n';

setMessageLookup(catalogLookup(english));
