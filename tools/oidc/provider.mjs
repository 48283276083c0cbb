// A real OpenID Connect provider for Omtag's tests and demo: the `oidc-provider` package
// standing in for a Swedish e-ID broker (BankID/Freja behind OpenID Connect). Made-up people
// only; it says so on every page. Never run it in front of real users.
//
//   node tools/oidc/provider.mjs            (PORT, ISSUER, OIDC_CLIENTS, OIDC_PEOPLE in env)
//
// OIDC_CLIENTS: JSON list of {client_id, client_secret, redirect_uris}.
// OIDC_PEOPLE:  JSON list of {id, name, personnummer, email?}; default: the demo people below.
//               (An email makes it stand in for an organisation's staff provider too: the
//               `email` scope gives email and email_verified.)
// OIDC_CODE_TTL: seconds an authorization code lives (default 60).
// It prints one line "ready <issuer>" when it listens.
import http from 'node:http';
import crypto from 'node:crypto';
import { URL } from 'node:url';

import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT || process.argv[2] || 8090);
const ISSUER = process.env.ISSUER || `http://127.0.0.1:${PORT}`;

// The Swedish OpenID Connect profile's claim and scope for the personal identity number
// (https://www.oidc.se/specifications), and Sweden Connect's levels of assurance (acr).
const PIN_CLAIM = 'https://id.oidc.se/claim/personalIdentityNumber';
const PIN_SCOPE = 'https://id.oidc.se/scope/naturalPersonNumber';
const LEVELS = {
  loa2: 'http://id.elegnamnden.se/loa/1.0/loa2',
  loa3: 'http://id.elegnamnden.se/loa/1.0/loa3',
  loa4: 'http://id.elegnamnden.se/loa/1.0/loa4',
};

// Test personal identity numbers (made up, valid check digits).
const DEMO_PEOPLE = [
  { id: 'demo-1', name: 'Tolvan Tolvansson', personnummer: '191212121212' },
  { id: 'demo-2', name: 'Testperson Två', personnummer: '198512242390' },
  { id: 'demo-3', name: 'Testperson Tre', personnummer: '197010102395' },
];

const people = process.env.OIDC_PEOPLE ? JSON.parse(process.env.OIDC_PEOPLE) : DEMO_PEOPLE;
const clients = JSON.parse(
  process.env.OIDC_CLIENTS
    || '[{"client_id":"omtag-demo","client_secret":"omtag-demo-secret","redirect_uris":["http://127.0.0.1:8000/account/oidc/eid-demo/login/callback/"]}]',
).map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
  ...c,
}));

const find = (id) => people.find((p) => p.id === id);

const provider = new Provider(ISSUER, {
  clients,
  acrValues: Object.values(LEVELS),
  claims: {
    // How the person logged in, in every ID token (as staff identity providers do): a
    // staff login counts as the second factor by its amr or acr.
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    profile: ['name', 'given_name', 'family_name'],
    [PIN_SCOPE]: [PIN_CLAIM],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'profile', 'email', PIN_SCOPE],
  // The claims go into the ID token as well as userinfo, as many brokers do.
  conformIdTokenClaims: false,
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { AuthorizationCode: Number(process.env.OIDC_CODE_TTL || 60), Session: 600, Interaction: 600, Grant: 600, IdToken: 300, AccessToken: 300 },
  async findAccount(_ctx, id) {
    const person = find(id);
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        const [given, ...family] = person.name.split(' ');
        return {
          sub: id,
          name: person.name,
          given_name: given,
          family_name: family.join(' '),
          [PIN_CLAIM]: person.personnummer,
          ...(person.email ? { email: person.email, email_verified: true } : {}),
        };
      },
    };
  },
  // A first-party test broker: no consent page; the grant covers what the client asked for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const grant = await ctx.oidc.provider.Grant.find(grantId);
      if (grant) return grant;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    grant.addOIDCClaims(['name', 'given_name', 'family_name', PIN_CLAIM, 'email', 'email_verified']);
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(body) {
  return `<!doctype html><html lang="sv"><head><meta charset="utf-8">
<title>Testleverantör — påhittade personer</title></head><body>
<p><strong>Testleverantör — påhittade personer.</strong> Ingen riktig e-legitimation används här.</p>
${body}</body></html>`;
}

function pickForm(uid) {
  const options = people.map((p, i) => `<p><label><input type="radio" name="person" value="${escape(p.id)}"${i === 0 ? ' checked' : ''}> ${escape(p.name)} (${escape(p.personnummer)})</label></p>`).join('\n');
  const levels = Object.entries(LEVELS).map(([k, v]) => `<option value="${k}"${k === 'loa3' ? ' selected' : ''}>${k.toUpperCase()} (${escape(v)})</option>`).join('');
  return page(`<h1>Välj en påhittad person</h1>
<form method="post" action="/interaction/${escape(uid)}">
${options}
<p><label>Tillitsnivå <select name="level">${levels}</select></label></p>
<p><button type="submit">Logga in som vald person</button></p>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Avbryt</button></form>`);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; if (body.length > 10000) req.destroy(); });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

const callback = provider.callback();

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, ISSUER);
  const match = url.pathname.match(/^\/interaction\/([^/]+)(\/abort)?$/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== match[1]) throw new Error('interaction mismatch');
    if (match[2] && req.method === 'POST') {
      return await provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'cancelled at the test provider',
      }, { mergeWithLastSubmission: false });
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(pickForm(details.uid));
    }
    const form = await readForm(req);
    const person = find(form.get('person'));
    const level = LEVELS[form.get('level')] || LEVELS.loa3;
    // How the person authenticated (RFC 8176 values, comma-separated): a staff provider's
    // "mfa", "hwk" or "sc" says several factors or a smartcard were used.
    const amr = (form.get('amr') || 'pwd').split(',').filter(Boolean);
    if (!person) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page('<p>Välj en person.</p>'));
    }
    return await provider.interactionFinished(req, res, {
      login: { accountId: person.id, acr: level, amr, remember: false },
    }, { mergeWithLastSubmission: false });
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(page(`<p>Fel: ${escape(err.message)}</p>`));
  }
});

server.listen(PORT, '127.0.0.1', () => {
  process.stdout.write(`ready ${ISSUER}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
