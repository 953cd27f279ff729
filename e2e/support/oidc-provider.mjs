// A real OpenID Connect provider for the browser journeys (the npm package oidc-provider):
// discovery, signed ID tokens, PKCE, user info. Its own sign-in page takes any login and any
// password; the login becomes the subject, `<login>@example.test` a verified address and
// `<login>` the preferred username.
//
//   node e2e/support/oidc-provider.mjs <port> <grove base URL> <providers file to write>
//
// It writes the providers file Grove reads (GROVE_SIGN_IN_PROVIDERS), then serves until it
// is killed. Only loopback: nothing here is reachable from outside the machine.
import Provider from 'oidc-provider';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const [port, grove, providersFile] = process.argv.slice(2);
if (!port || !grove || !providersFile) {
  console.error('usage: oidc-provider.mjs <port> <grove base URL> <providers file>');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const clientSecret = randomBytes(24).toString('hex');

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'grove-e2e',
    client_secret: clientSecret,
    redirect_uris: [`${grove.replace(/\/$/, '')}/auth/e2e/callback`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: `${sub}@example.test`,
          email_verified: true,
          name: `Test ${sub}`,
          preferred_username: sub,
        };
      },
    };
  },
  pkce: { required: () => true },
  cookies: { keys: [randomBytes(16).toString('hex')] },
  features: { devInteractions: { enabled: true } },
});
// its quick-start sign-in page warns on every start; the journeys want exactly that page
provider.on('server_error', (ctx, error) => console.error('server_error', error));

provider.listen(Number(port), '127.0.0.1', () => {
  writeFileSync(providersFile, JSON.stringify([{
    id: 'e2e',
    display_name: 'Test ID',
    issuer,
    client_id: 'grove-e2e',
    client_secret: clientSecret,
  }], null, 2));
  console.log(`oidc-provider listening on ${issuer}`);
});
