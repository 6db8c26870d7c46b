# Source of public/_locales/{en,de}/messages.json: one table, so the two languages cannot drift apart (a unit test
# checks the JSON files agree too). Run: python3 tools/locales/messages.py
# Each row: key, English, German, placeholders (name -> "$1"...). Keys: [a-z0-9_], Chrome's rules.
import json, os, collections

P = lambda **kw: kw
ROWS = [
 ("extName", "CallSeal", "CallSeal", {}),
 ("extDescription", "End-to-end encryption for calls in web call apps. Both parties need CallSeal.",
  "Ende-zu-Ende-Verschlüsselung für Anrufe in Web-Telefonie-Apps. Beide Seiten brauchen CallSeal.", {}),
 # --- states: toolbar titles and popup headlines
 ("state_off_title", "CallSeal: off", "CallSeal: aus", {}),
 ("state_off_sentence", "Off", "Aus", {}),
 ("state_negotiating_title", "CallSeal: setting up end-to-end encryption…", "CallSeal: Ende-zu-Ende-Verschlüsselung wird eingerichtet …", {}),
 ("state_negotiating_sentence", "Setting up encryption…", "Verschlüsselung wird eingerichtet …", {}),
 ("state_encrypted_title", "CallSeal: call end-to-end encrypted", "CallSeal: Anruf Ende-zu-Ende-verschlüsselt", {}),
 ("state_encrypted_sentence", "Encrypted end to end", "Ende-zu-Ende-verschlüsselt", {}),
 ("state_verified_title", "CallSeal: call end-to-end encrypted, security code verified", "CallSeal: Anruf Ende-zu-Ende-verschlüsselt, Sicherheitscode bestätigt", {}),
 ("state_verified_sentence", "Encrypted end to end, security code verified", "Ende-zu-Ende-verschlüsselt, Sicherheitscode bestätigt", {}),
 ("state_verified_named_title", "CallSeal: call end-to-end encrypted — verified: $NAME$", "CallSeal: Anruf Ende-zu-Ende-verschlüsselt — bestätigt: $NAME$", {"name": "$1"}),
 ("state_verified_named_sentence", "Verified: $NAME$", "Bestätigt: $NAME$", {"name": "$1"}),
 ("state_identity_changed_title", "CallSeal: WARNING — the other person's identity changed during this call. Compare the new security code", "CallSeal: WARNUNG — die Identität der anderen Person hat sich während des Anrufs geändert. Vergleichen Sie den neuen Sicherheitscode", {}),
 ("state_identity_changed_sentence", "Warning: the other side's identity changed during this call. Compare the new code.", "Warnung: Die Identität der Gegenseite hat sich während des Anrufs geändert. Vergleichen Sie den neuen Code.", {}),
 ("state_unencrypted_title", "CallSeal: call NOT encrypted — no key exchange with the other side", "CallSeal: Anruf NICHT verschlüsselt — kein Schlüsselaustausch mit der Gegenseite", {}),
 ("state_unencrypted_sentence", "Not encrypted: no key exchange with the other side", "Nicht verschlüsselt: kein Schlüsselaustausch mit der Gegenseite", {}),
 ("state_blocked_title", "CallSeal: call blocked — it could not be encrypted, so no media is sent or played", "CallSeal: Anruf blockiert — er konnte nicht verschlüsselt werden, daher wird nichts gesendet oder abgespielt", {}),
 ("state_blocked_sentence", "Blocked: the call could not be encrypted, so no media is sent or played", "Blockiert: Der Anruf konnte nicht verschlüsselt werden, daher wird nichts gesendet oder abgespielt", {}),
 ("state_error_title", "CallSeal: call NOT encrypted — encryption could not be set up on this page", "CallSeal: Anruf NICHT verschlüsselt — auf dieser Seite ließ sich keine Verschlüsselung einrichten", {}),
 ("state_error_sentence", "Not encrypted: CallSeal could not set up encryption on this page", "Nicht verschlüsselt: CallSeal konnte auf dieser Seite keine Verschlüsselung einrichten", {}),
 ("state_key_changed_title", "CallSeal: WARNING — $NAME$'s security code has changed", "CallSeal: WARNUNG — der Sicherheitscode von $NAME$ hat sich geändert", {"name": "$1"}),
 ("state_key_changed_sentence", "$NAME$'s security code has changed", "Der Sicherheitscode von $NAME$ hat sich geändert", {"name": "$1"}),
 ("state_encryption_lost_title", "CallSeal: WARNING — encryption was lost during this call", "CallSeal: WARNUNG — die Verschlüsselung ging während des Anrufs verloren", {}),
 # --- hints and instructions
 ("hint_off_enabled", "The next call on this page is encrypted if the other person has CallSeal on too.", "Der nächste Anruf auf dieser Seite wird verschlüsselt, wenn die andere Person CallSeal auch eingeschaltet hat.", {}),
 ("hint_off_disabled", "Turn on end-to-end encrypted calls to protect calls on this page.", "Schalten Sie Ende-zu-Ende-verschlüsselte Anrufe ein, um Anrufe auf dieser Seite zu schützen.", {}),
 ("instruction_compare", "Compare this code with the other person. If it matches, your call is private.", "Vergleichen Sie diesen Code mit der anderen Person. Stimmt er überein, ist Ihr Anruf privat.", {}),
 ("instruction_identity_changed", "Someone else may be on the call now. Compare the new code with the other person — by phone or in person, not in this call’s chat — and click \"Codes match\" only if it matches. If it differs, hang up.", "Vielleicht ist jetzt jemand anderes im Anruf. Vergleichen Sie den neuen Code mit der anderen Person — telefonisch oder persönlich, nicht im Chat dieses Anrufs — und klicken Sie nur dann auf „Codes stimmen überein“, wenn er übereinstimmt. Weicht er ab, legen Sie auf.", {}),
 # --- warnings (popup box and notifications)
 ("warning_key_changed_body", "$NAME$ may have reinstalled CallSeal or reset their identity — or someone may be intercepting this call. Compare the new code with $NAME$ by phone or in person before you trust this call.", "$NAME$ hat CallSeal vielleicht neu installiert oder die eigene Identität zurückgesetzt — oder jemand hört diesen Anruf ab. Vergleichen Sie den neuen Code telefonisch oder persönlich mit $NAME$, bevor Sie diesem Anruf vertrauen.", {"name": "$1"}),
 ("warning_key_changed_claim_body", "The other side says they are $NAME$, but their identity key is not the one you verified for $NAME$. Compare the code with $NAME$ by phone or in person before you trust this call.", "Die Gegenseite gibt sich als $NAME$ aus, aber ihr Identitätsschlüssel ist nicht der, den Sie für $NAME$ bestätigt haben. Vergleichen Sie den Code telefonisch oder persönlich mit $NAME$, bevor Sie diesem Anruf vertrauen.", {"name": "$1"}),
 ("warning_identity_changed_heading", "The other side's identity changed", "Die Identität der Gegenseite hat sich geändert", {}),
 ("warning_encryption_lost_heading", "Encryption was lost during this call", "Die Verschlüsselung ging während des Anrufs verloren", {}),
 ("warning_encryption_lost_body", "The call was encrypted and is not anymore. Do not say anything private until you have compared the security code again.", "Der Anruf war verschlüsselt und ist es nicht mehr. Sagen Sie nichts Vertrauliches, bis Sie den Sicherheitscode erneut verglichen haben.", {}),
 ("warning_unnamed_contact", "a contact", "ein Kontakt", {}),
 ("notification_open", "Click to see the call.", "Klicken, um den Anruf zu sehen.", {}),
 # --- details (codes from the worker)
 ("detail_no_key_exchange", "No key exchange received — the other side may not have CallSeal, or something on the network is blocking it.", "Kein Schlüsselaustausch empfangen — die Gegenseite hat CallSeal vielleicht nicht, oder etwas im Netz blockiert ihn.", {}),
 ("detail_peer_protocol_1", "The other side runs an older CallSeal (protocol 1). Both of you need to update CallSeal.", "Die Gegenseite verwendet ein älteres CallSeal (Protokoll 1). Sie beide müssen CallSeal aktualisieren.", {}),
 ("detail_peer_protocol_2", "The other side runs an older CallSeal (protocol 2). Both of you need to update CallSeal.", "Die Gegenseite verwendet ein älteres CallSeal (Protokoll 2). Sie beide müssen CallSeal aktualisieren.", {}),
 ("detail_peer_stopped_encrypting", "The other side's media now arrives unencrypted. CallSeal does not play it: the call stays protected, but you may not hear or see them.", "Die Medien der Gegenseite kommen jetzt unverschlüsselt an. CallSeal spielt sie nicht ab: Der Anruf bleibt geschützt, aber Sie hören oder sehen die Person vielleicht nicht.", {}),
 ("detail_worker_blocked", "This page's security settings keep CallSeal's encryption from running here.", "Die Sicherheitseinstellungen dieser Seite verhindern, dass die Verschlüsselung von CallSeal hier läuft.", {}),
 ("detail_unsupported_browser", "This browser cannot encrypt calls: CallSeal needs Chrome or Edge 141 or later.", "Dieser Browser kann Anrufe nicht verschlüsseln: CallSeal braucht Chrome oder Edge 141 oder neuer.", {}),
 ("detail_no_bridge", "CallSeal could not set up its private channel on this page. Reload the page to try again.", "CallSeal konnte seinen privaten Kanal auf dieser Seite nicht einrichten. Laden Sie die Seite neu, um es erneut zu versuchen.", {}),
 ("detail_sign_failed", "CallSeal could not sign the key exchange. It is trying again.", "CallSeal konnte den Schlüsselaustausch nicht signieren. Es versucht es erneut.", {}),
 ("detail_keys_failed", "CallSeal could not set up the call's keys.", "CallSeal konnte die Schlüssel des Anrufs nicht einrichten.", {}),
 ("detail_internal_error", "Something went wrong inside CallSeal. Nothing is sent unencrypted because of it.", "In CallSeal ist etwas schiefgegangen. Deswegen wird nichts unverschlüsselt gesendet.", {}),
 ("detail_unsupported_codec", "This call uses $CODEC$, which CallSeal cannot encrypt (it supports Opus, VP8 and VP9). Those frames are not sent.", "Dieser Anruf verwendet $CODEC$, das CallSeal nicht verschlüsseln kann (unterstützt werden Opus, VP8 und VP9). Diese Frames werden nicht gesendet.", {"codec": "$1"}),
 ("codec_unknown", "an unknown codec", "einen unbekannten Codec", {}),
 ("codec_some", "a codec", "einen Codec", {}),
 ("other_calls_one", "Another frame on this page also runs a call. CallSeal shows the main one.", "Ein weiterer Frame dieser Seite führt ebenfalls einen Anruf. CallSeal zeigt den wichtigsten.", {}),
 ("other_calls_many", "Another frame on this page also runs a call ($COUNT$ more in all). CallSeal shows the main one.", "Ein weiterer Frame dieser Seite führt ebenfalls einen Anruf (insgesamt $COUNT$ weitere). CallSeal zeigt den wichtigsten.", {"count": "$1"}),
 # --- failures
 ("failure_policy", "Your organization manages this setting.", "Ihre Organisation verwaltet diese Einstellung.", {}),
 ("failure_call_changed", "The call changed before you confirmed, so nothing was marked as verified. Compare the code shown now.", "Der Anruf hat sich geändert, bevor Sie bestätigt haben, daher wurde nichts als bestätigt markiert. Vergleichen Sie den jetzt angezeigten Code.", {}),
 ("failure_verify_failed", "CallSeal could not remember that the codes match. Try again.", "CallSeal konnte sich nicht merken, dass die Codes übereinstimmen. Versuchen Sie es erneut.", {}),
 ("failure_name_invalid", "That name cannot be used.", "Dieser Name kann nicht verwendet werden.", {}),
 ("failure_name_taken", "Another contact already has that name. Choose another one.", "Ein anderer Kontakt hat diesen Namen bereits. Wählen Sie einen anderen.", {}),
 ("failure_options_failed", "CallSeal could not save that. Try again.", "CallSeal konnte das nicht speichern. Versuchen Sie es erneut.", {}),
 ("failure_connection_lost", "Lost the connection to CallSeal. Close this popup and open it again.", "Die Verbindung zu CallSeal ist verloren. Schließen Sie dieses Fenster und öffnen Sie es erneut.", {}),
 ("failure_bad_message", "CallSeal sent the popup a message it does not understand.", "CallSeal hat dem Fenster eine Nachricht geschickt, die es nicht versteht.", {}),
 ("failure_no_tab", "There is no tab to show: open the popup from a browser tab.", "Es gibt keinen Tab zum Anzeigen: Öffnen Sie das Fenster aus einem Browser-Tab.", {}),
 ("name_problem_empty", "Type a name.", "Geben Sie einen Namen ein.", {}),
 ("name_problem_too_long", "That name is too long: at most 64 bytes (fewer letters for accented or non-Latin scripts).", "Dieser Name ist zu lang: höchstens 64 Byte (weniger Zeichen bei Akzenten oder nichtlateinischen Schriften).", {}),
 ("name_problem_not_nfc", "That name is not in a standard Unicode form.", "Dieser Name liegt nicht in einer Unicode-Standardform vor.", {}),
 ("name_problem_untrimmed", "A name cannot start or end with a space.", "Ein Name darf nicht mit einem Leerzeichen beginnen oder enden.", {}),
 ("name_problem_refused_character", "That name contains an invisible or control character.", "Dieser Name enthält ein unsichtbares oder Steuerzeichen.", {}),
 # --- popup
 ("popup_switch", "End-to-end encrypted calls", "Ende-zu-Ende-verschlüsselte Anrufe", {}),
 ("popup_loading", "Loading…", "Wird geladen …", {}),
 ("popup_dismiss", "Dismiss", "Schließen", {}),
 ("popup_settings_link", "Contacts and identity", "Kontakte und Identität", {}),
 ("popup_code_heading", "Security code", "Sicherheitscode", {}),
 ("popup_code_heading_new", "New security code", "Neuer Sicherheitscode", {}),
 ("popup_code_label", "Security code: $CODE$", "Sicherheitscode: $CODE$", {"code": "$1"}),
 ("popup_copy", "Copy", "Kopieren", {}),
 ("popup_copy_label", "Copy the security code", "Sicherheitscode kopieren", {}),
 ("popup_copied", "Copied", "Kopiert", {}),
 ("popup_codes_match", "Codes match", "Codes stimmen überein", {}),
 ("popup_verified_note", "✓ You confirmed that the codes match.", "✓ Sie haben bestätigt, dass die Codes übereinstimmen.", {}),
 ("popup_verified_contact", "✓ $NAME$ is in your contacts: you compared codes on $DATE$.", "✓ $NAME$ ist in Ihren Kontakten: Sie haben die Codes am $DATE$ verglichen.", {"name": "$1", "date": "$2"}),
 ("popup_claims", "Says they are “$NAME$”", "Gibt an, „$NAME$“ zu sein", {"name": "$1"}),
 ("popup_claim_note", "A name anyone could choose: compare the code to be sure.", "Einen Namen kann jeder wählen: Vergleichen Sie den Code, um sicherzugehen.", {}),
 ("popup_contact_name", "Save as contact", "Als Kontakt speichern", {}),
 ("popup_contact_name_hint", "The name you will see in later calls with this person.", "Der Name, den Sie in späteren Anrufen mit dieser Person sehen.", {}),
 ("popup_fingerprint", "Their identity key:", "Ihr Identitätsschlüssel:", {}),
 ("popup_cost", "While a call is encrypted, the call service cannot record, transcribe or caption it, or add its own bots to it.", "Solange ein Anruf verschlüsselt ist, kann der Anrufdienst ihn nicht aufzeichnen, transkribieren oder untertiteln und keine eigenen Bots hinzufügen.", {}),
 ("popup_details", "Call details", "Anrufdetails", {}),
 ("popup_details_peer", "Other side", "Gegenseite", {}),
 ("popup_details_peer_unnamed", "No name given", "Kein Name angegeben", {}),
 ("popup_details_identity", "Identity key", "Identitätsschlüssel", {}),
 ("popup_details_codec", "Codec", "Codec", {}),
 ("popup_details_suite", "Cipher suite", "Verschlüsselungsverfahren", {}),
 ("popup_details_epoch", "Key epoch", "Schlüsselepoche", {}),
 ("popup_details_keys_changed", "Keys last changed", "Schlüssel zuletzt gewechselt", {}),
 ("popup_details_none", "—", "—", {}),
 ("popup_frames", "Frames", "Frames", {}),
 ("popup_counter_encrypted", "Encrypted", "Verschlüsselt", {}),
 ("popup_counter_decrypted", "Decrypted", "Entschlüsselt", {}),
 ("popup_counter_dropped", "Dropped", "Verworfen", {}),
 ("popup_counter_plaintext", "Plaintext", "Klartext", {}),
 ("popup_your_name", "Your name", "Ihr Name", {}),
 ("popup_your_name_hint", "Shown to the other side as who is calling, signed by your identity. Leave empty for none.", "Wird der Gegenseite als Anrufer angezeigt, signiert mit Ihrer Identität. Leer lassen für keinen.", {}),
 ("popup_save", "Save", "Speichern", {}),
 ("popup_saved", "Saved", "Gespeichert", {}),
 ("suite_4", "AES-128-GCM (SFrame suite 4)", "AES-128-GCM (SFrame-Suite 4)", {}),
 ("suite_other", "SFrame suite $SUITE$", "SFrame-Suite $SUITE$", {"suite": "$1"}),
 # --- options page
 ("options_title", "CallSeal — contacts and identity", "CallSeal — Kontakte und Identität", {}),
 ("options_contacts", "Contacts", "Kontakte", {}),
 ("options_contacts_intro", "People whose security code you compared. Calls with them show “Verified” and their name.", "Personen, deren Sicherheitscode Sie verglichen haben. Anrufe mit ihnen zeigen „Bestätigt“ und ihren Namen.", {}),
 ("options_no_contacts", "No contacts yet. Compare the security code in a call and click “Codes match”.", "Noch keine Kontakte. Vergleichen Sie in einem Anruf den Sicherheitscode und klicken Sie auf „Codes stimmen überein“.", {}),
 ("options_contact_name", "Name", "Name", {}),
 ("options_contact_key", "Identity key", "Identitätsschlüssel", {}),
 ("options_contact_verified", "Verified", "Bestätigt", {}),
 ("options_unnamed", "Unnamed contact", "Unbenannter Kontakt", {}),
 ("options_rename", "Rename", "Umbenennen", {}),
 ("options_rename_label", "New name for $NAME$", "Neuer Name für $NAME$", {"name": "$1"}),
 ("options_forget", "Forget", "Vergessen", {}),
 ("options_forget_label", "Forget $NAME$", "$NAME$ vergessen", {"name": "$1"}),
 ("options_forget_confirm", "Forget $NAME$? Calls with them will no longer show “Verified” until you compare codes again.", "$NAME$ vergessen? Anrufe mit dieser Person zeigen erst wieder „Bestätigt“, wenn Sie die Codes erneut vergleichen.", {"name": "$1"}),
 ("options_cancel", "Cancel", "Abbrechen", {}),
 ("options_you", "You", "Sie", {}),
 ("options_fingerprint", "Your identity key's fingerprint", "Fingerabdruck Ihres Identitätsschlüssels", {}),
 ("options_created", "Made on $DATE$", "Erstellt am $DATE$", {"date": "$1"}),
 ("options_no_identity", "You have no identity key yet: CallSeal makes one the first time you turn on encrypted calls.", "Sie haben noch keinen Identitätsschlüssel: CallSeal erstellt einen, wenn Sie verschlüsselte Anrufe zum ersten Mal einschalten.", {}),
 ("options_reset", "Reset identity…", "Identität zurücksetzen …", {}),
 ("options_reset_warning", "Resetting makes a new identity key and destroys the old one. Everyone who verified you will see “your security code has changed” and will not see you as verified until you compare codes with them again. Calls in progress switch to the new key at once. Your own contacts are kept.", "Beim Zurücksetzen wird ein neuer Identitätsschlüssel erstellt und der alte vernichtet. Alle, die Sie bestätigt haben, sehen „Ihr Sicherheitscode hat sich geändert“ und sehen Sie erst wieder als bestätigt, wenn Sie erneut Codes mit ihnen vergleichen. Laufende Anrufe wechseln sofort zum neuen Schlüssel. Ihre eigenen Kontakte bleiben erhalten.", {}),
 ("options_reset_confirm", "Reset my identity", "Meine Identität zurücksetzen", {}),
 ("options_reset_done", "Your identity was reset. Compare codes with your contacts in your next calls.", "Ihre Identität wurde zurückgesetzt. Vergleichen Sie in den nächsten Anrufen die Codes mit Ihren Kontakten.", {}),
]

def entry(msg, ph):
    e = collections.OrderedDict(message=msg)
    if ph:
        e["placeholders"] = {k: {"content": v} for k, v in ph.items()}
    return e

root = os.path.join(os.path.dirname(__file__), "..", "..", "public", "_locales")
keys = [r[0] for r in ROWS]
assert len(keys) == len(set(keys)), "duplicate key"
for lang, col in (("en", 1), ("de", 2)):
    out = collections.OrderedDict()
    for row in ROWS:
        out[row[0]] = entry(row[col], row[3])
    os.makedirs(os.path.join(root, lang), exist_ok=True)
    with open(os.path.join(root, lang, "messages.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=2)
        f.write("\n")
print(len(ROWS), "messages")
