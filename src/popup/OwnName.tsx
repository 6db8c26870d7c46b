import { t } from '../shared/i18n';

interface Props {
  displayName: string;
  /** "Save" was clicked and its view has not arrived yet. */
  pending: boolean;
  onSave(name: string): void;
}

function typedName(event: Event | undefined): string {
  const form = (event?.currentTarget as HTMLFormElement | null | undefined) ?? null;
  const field = form?.elements.namedItem('own-name');
  return typeof (field as { value?: unknown } | null)?.value === 'string' ? (field as HTMLInputElement).value : '';
}

/** The user's own display name: what the other side sees, signed, as who is calling (protocol.md §4.5). */
export function OwnName({ displayName, pending, onSave }: Props) {
  return (
    <details class="own-name">
      <summary>
        {t('popup_your_name')}
        {displayName ? `: ${displayName}` : ''}
      </summary>
      <form
        class="own-name-form"
        onSubmit={(event) => {
          event.preventDefault();
          onSave(typedName(event));
        }}
      >
        <label class="field-label" for="own-name">
          {t('popup_your_name')}
        </label>
        <div class="field-row">
          <input
            key={displayName}
            id="own-name"
            name="own-name"
            class="text-input"
            data-testid="own-name"
            type="text"
            autocomplete="nickname"
            maxLength={64}
            defaultValue={displayName}
            aria-describedby="own-name-hint"
          />
          <button type="submit" class="small-button" data-testid="own-name-save" aria-busy={pending ? 'true' : 'false'}>
            {t('popup_save')}
          </button>
        </div>
        <p id="own-name-hint" class="field-hint">
          {t('popup_your_name_hint')}
        </p>
      </form>
    </details>
  );
}
