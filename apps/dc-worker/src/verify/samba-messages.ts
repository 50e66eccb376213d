/**
 * What a real samba-tool prints when it fails, read into messages (pure; measured on a real Samba 4.17 DC): all of stderr
 * without the `WARNING:` lines, the advice `--check` gives, the missing-forward-zone error.
 */
/**
 * What a failed samba-tool said: every stderr line except the `WARNING:` ones (a `--password=…`
 * prints `WARNING: Using password on command line is insecure…` first), so `does not exist` is seen
 * wherever it stands; a credentials prompt on stdout means no usable credentials.
 */
export function failureText(stderr: string, stdout: string, fallback = ''): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^WARNING:/.test(l));
  const prompt = /Password for \[[^\]]*\]:/.exec(stdout);
  if (prompt)
    lines.unshift(`samba-tool asked "${prompt[0]}" (no usable credentials: set SAMBA_TOOL_AUTH=-P on the DC)`);
  if (lines.length === 0) lines.push(stdout.trim().split('\n')[0] || fallback);
  return lines.join(' | ');
}

/** A samba-tool failure seen by `--check`, with the setting that fixes it. */
export function adviceFor(message: string, kerberos: boolean): string {
  if (/krb5_cc_get_principal|No Kerberos credentials|cc_get_principal/i.test(message)) {
    return `${message} — no Kerberos ticket: run kinit for the worker's user (and renew it), or use SAMBA_TOOL_AUTH=-P`;
  }
  if (/Password for \[|LOGON_FAILURE|logon is invalid/i.test(message)) {
    return kerberos
      ? `${message} — Kerberos needs DNS_SERVER = the DC's FQDN and a live ticket (kinit); or use SAMBA_TOOL_AUTH=-P`
      : `${message} — the DC refused the credentials: set SAMBA_TOOL_AUTH=-P (machine account, root on the DC) or user%password of an account allowed to manage DNS`;
  }
  if (/Invalid IP address/i.test(message)) return `${message} — set DNS_SERVER to 127.0.0.1, the DC's IP or its FQDN`;
  if (/Connecting to DNS RPC server/i.test(message)) {
    return kerberos
      ? `${message} — with --use-kerberos set DNS_SERVER to the DC's FQDN and hold a ticket (kinit)`
      : `${message} — check DNS_SERVER (127.0.0.1 on the DC) and SAMBA_TOOL_AUTH`;
  }
  return message;
}

/** The configuration error of a forward zone that is not on the DC. */
export function missingForwardZone(zone: string, setting: string): string {
  return `configuration error: the DNS zone ${zone} does not exist on the DC (LINBO_DOMAIN=${setting}); set LINBO_DOMAIN to the DC's DNS domain (samba-tool domain info) or to auto`;
}
