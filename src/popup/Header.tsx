import type { CallState } from '../shared/call-status';
import { t } from '../shared/i18n';
import { iconPath, statusWords } from '../shared/status-text';

/** The shield for the tab's state, the product name, and the way to contacts and the user's own identity. */
export function Header({ state, onOpenOptions }: { state: CallState; onOpenOptions?: (() => void) | undefined }) {
  return (
    <header class="header">
      <img class="header-icon" src={`/${iconPath(statusWords(state).icon, 48)}`} width={28} height={28} alt="" />
      <h1>{t('extName')}</h1>
      {onOpenOptions && (
        <button type="button" class="link-button" data-testid="open-options" onClick={onOpenOptions}>
          {t('popup_settings_link')}
        </button>
      )}
    </header>
  );
}
