/**
 * The options page: the user's contacts (rename, forget), their own identity (fingerprint, reset with a plain
 * warning of what a reset does to their contacts' view of them) and their display name. Every change goes to the
 * background, which answers with a new view.
 */
import { useEffect, useState } from 'preact/hooks';
import { t, uiLanguage } from '../shared/i18n';
import type { ContactView, OptionsView } from '../shared/options-messages';
import type { OptionsActions } from './options-actions';

const formatDate = (time: number): string => {
  try {
    return new Date(time).toLocaleDateString(uiLanguage(), { dateStyle: 'medium' } as Intl.DateTimeFormatOptions);
  } catch {
    return new Date(time).toDateString();
  }
};

const fieldOf = (form: EventTarget | null, name: string): string => {
  const field = (form as HTMLFormElement | null)?.elements.namedItem(name);
  return typeof (field as { value?: unknown } | null)?.value === 'string' ? (field as HTMLInputElement).value : '';
};

const label = (contact: ContactView): string => contact.name || t('options_unnamed');

function ContactRow({ contact, actions }: { contact: ContactView; actions: OptionsActions }) {
  const [mode, setMode] = useState<'show' | 'rename' | 'forget'>('show');
  const id = contact.identityPublicKey.replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
  useEffect(() => setMode('show'), [contact.name, contact.verifiedAt]);
  return (
    <tr data-testid="contact" data-key={contact.identityPublicKey}>
      <td data-testid="contact-name">{label(contact)}</td>
      <td class="key">{contact.fingerprint}</td>
      <td>{formatDate(contact.verifiedAt)}</td>
      <td>
        {mode === 'show' && (
          <div class="actions">
            <button type="button" class="small-button" data-testid="rename" onClick={() => setMode('rename')}>
              {t('options_rename')}
            </button>
            <button
              type="button"
              class="small-button"
              data-testid="forget"
              aria-label={t('options_forget_label', label(contact))}
              onClick={() => setMode('forget')}
            >
              {t('options_forget')}
            </button>
          </div>
        )}
        {mode === 'rename' && (
          <form
            class="rename-form"
            onSubmit={(event) => {
              event.preventDefault();
              actions.send({
                kind: 'rename-contact',
                identityPublicKey: contact.identityPublicKey,
                name: fieldOf(event.currentTarget, 'name'),
              });
            }}
          >
            <label class="field-label" for={`rename-${id}`}>
              {t('options_rename_label', label(contact))}
            </label>
            <input id={`rename-${id}`} name="name" class="text-input" data-testid="rename-input" maxLength={64} defaultValue={contact.name} />
            <button type="submit" class="small-button" data-testid="rename-save">
              {t('popup_save')}
            </button>
            <button type="button" class="small-button" onClick={() => setMode('show')}>
              {t('options_cancel')}
            </button>
          </form>
        )}
        {mode === 'forget' && (
          <div role="alertdialog" aria-labelledby={`forget-${id}`} class="actions">
            <p id={`forget-${id}`}>{t('options_forget_confirm', label(contact))}</p>
            <button
              type="button"
              class="danger-button"
              data-testid="forget-confirm"
              onClick={() => actions.send({ kind: 'forget-contact', identityPublicKey: contact.identityPublicKey })}
            >
              {t('options_forget')}
            </button>
            <button type="button" class="small-button" onClick={() => setMode('show')}>
              {t('options_cancel')}
            </button>
          </div>
        )}
      </td>
    </tr>
  );
}

export function OptionsScreen({ view, actions, failure }: { view: OptionsView; actions: OptionsActions; failure?: string | undefined }) {
  const [confirmReset, setConfirmReset] = useState(false);
  const [resetDone, setResetDone] = useState(false);
  return (
    <main class="options">
      <h1>{t('options_title')}</h1>
      {failure && (
        <p class="failure" role="alert" data-testid="failure">
          {failure}
        </p>
      )}
      <section aria-labelledby="you">
        <h2 id="you">{t('options_you')}</h2>
        <div class="panel">
          <form
            onSubmit={(event) => {
              event.preventDefault();
              actions.send({ kind: 'set-display-name', name: fieldOf(event.currentTarget, 'own-name') });
            }}
          >
            <label class="field-label" for="own-name">
              {t('popup_your_name')}
            </label>
            <div class="rename-form">
              <input
                key={view.displayName}
                id="own-name"
                name="own-name"
                class="text-input"
                data-testid="own-name"
                maxLength={64}
                defaultValue={view.displayName}
                aria-describedby="own-name-hint"
              />
              <button type="submit" class="small-button" data-testid="own-name-save">
                {t('popup_save')}
              </button>
            </div>
            <p id="own-name-hint" class="field-hint">
              {t('popup_your_name_hint')}
            </p>
          </form>
          <h3 class="field-label">{t('options_fingerprint')}</h3>
          {view.identity ? (
            <>
              <p class="key" data-testid="own-fingerprint">
                {view.identity.fingerprint}
              </p>
              <p class="muted">{t('options_created', formatDate(view.identity.createdAt))}</p>
            </>
          ) : (
            <p class="muted" data-testid="no-identity">
              {t('options_no_identity')}
            </p>
          )}
          {resetDone && (
            <p class="notice" role="status" data-testid="reset-done">
              {t('options_reset_done')}
            </p>
          )}
          {view.identity && !confirmReset && (
            <button type="button" class="danger-button" data-testid="reset-identity" onClick={() => setConfirmReset(true)}>
              {t('options_reset')}
            </button>
          )}
          {view.identity && confirmReset && (
            <div class="reset-warning" role="alertdialog" aria-labelledby="reset-warning">
              <p id="reset-warning" data-testid="reset-warning">
                {t('options_reset_warning')}
              </p>
              <div class="actions">
                <button
                  type="button"
                  class="danger-button"
                  data-testid="reset-confirm"
                  onClick={() => {
                    actions.send({ kind: 'reset-identity' });
                    setConfirmReset(false);
                    setResetDone(true);
                  }}
                >
                  {t('options_reset_confirm')}
                </button>
                <button type="button" class="small-button" onClick={() => setConfirmReset(false)}>
                  {t('options_cancel')}
                </button>
              </div>
            </div>
          )}
        </div>
      </section>
      <section aria-labelledby="contacts">
        <h2 id="contacts">{t('options_contacts')}</h2>
        <p class="muted">{t('options_contacts_intro')}</p>
        {view.contacts.length === 0 ? (
          <p data-testid="no-contacts">{t('options_no_contacts')}</p>
        ) : (
          <table class="contacts" data-testid="contacts">
            <thead>
              <tr>
                <th scope="col">{t('options_contact_name')}</th>
                <th scope="col">{t('options_contact_key')}</th>
                <th scope="col">{t('options_contact_verified')}</th>
                <th scope="col">
                  <span class="visually-hidden">{t('options_rename')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {view.contacts.map((contact) => (
                <ContactRow key={contact.identityPublicKey} contact={contact} actions={actions} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}

export function OptionsApp({ actions }: { actions: OptionsActions }) {
  const [view, setView] = useState<OptionsView | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  useEffect(
    () =>
      actions.watch(
        (next) => {
          setView(next);
          setFailure(undefined);
        },
        (_code, message) => setFailure(message),
      ),
    [actions],
  );
  if (!view) {
    return (
      <main class="options">
        <h1>{t('options_title')}</h1>
        <p class="muted">{failure ?? t('popup_loading')}</p>
      </main>
    );
  }
  return <OptionsScreen view={view} actions={actions} failure={failure} />;
}
