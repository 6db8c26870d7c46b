import type { CallState } from '../shared/call-status';
import { iconPath, statusWords } from '../shared/status-text';

/** The shield for the tab's state and the product name. */
export function Header({ state }: { state: CallState }) {
  return (
    <header class="header">
      <img class="header-icon" src={`/${iconPath(statusWords(state).icon, 48)}`} width={28} height={28} alt="" />
      <h1>CallSeal</h1>
    </header>
  );
}
