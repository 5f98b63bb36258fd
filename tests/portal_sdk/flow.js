// Drives a running portal with the official @ordercloud/portal-javascript-sdk, unmodified.
// Usage: node flow.js  (env: PORTAL_API, OWNER, OWNER_PASSWORD, INVITEE, INVITEE_PASSWORD, ORG_ID)
// Prints one JSON object with what each step returned; organizations/tests/test_api_sdk.py asserts it.
const { Configuration, Auth, Tokens, Organizations, CurrentUser, ApiClients, PortalUsers, Accounts } = require(
  "@ordercloud/portal-javascript-sdk"
);

const env = (name) => {
  if (!process.env[name]) throw new Error(`missing env ${name}`);
  return process.env[name];
};
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
const failure = (e) => ({ status: e.status, errorCode: e.errorCode, body: e.response && e.response.data });

async function main() {
  const out = {};
  const orgId = env("ORG_ID");
  Configuration.Set({ baseApiUrl: env("PORTAL_API") });

  // 1. the owner signs in (the SDK does not store the token: the caller does)
  const login = await Auth.Login(env("OWNER"), env("OWNER_PASSWORD"));
  out.login = { expires_in: login.expires_in, usr: claims(login.access_token).usr, hasRefresh: !!login.refresh_token };
  Tokens.SetAccessToken(login.access_token);
  Tokens.SetRefreshToken(login.refresh_token);

  out.me = await CurrentUser.Get();
  out.regions = (await CurrentUser.ListRegions()).Items.map((r) => r.Region.Id);
  out.listBefore = (await Organizations.List()).Items.map((o) => o.Id);

  // 2. create a Sandbox organization (PUT /organizations/{id})
  out.created = await Organizations.Save(orgId, { Id: orgId, Name: "SDK Marketplace", Region: { Id: "eur" } });
  out.filtered = (await Organizations.List({ filters: { Environment: "Sandbox" }, sortBy: ["!ID"] })).Items.map(
    (o) => o.Id
  );
  out.got = await Organizations.Get(orgId);

  // 3. find and invite a contributor
  out.search = (await PortalUsers.List({ search: env("INVITEE").slice(0, 4) })).Items;
  await Organizations.SaveUserAssignment(orgId, env("INVITEE"), {
    Roles: ["ProductReader", "OrderReader"],
    IsAdmin: false,
    ImpersonateBuyer: true,
  });
  out.assignments = (await Organizations.ListUserAssignments(orgId)).Items.map((a) => [
    a.User.Username,
    a.Accepted,
  ]);

  // 4. errors come back as PortalError
  try {
    await Organizations.Get("no-such-org");
    out.missing = "no error";
  } catch (e) {
    out.missing = failure(e);
  }
  try {
    await Auth.Login(env("OWNER"), "wrong password");
    out.badLogin = "no error";
  } catch (e) {
    out.badLogin = failure(e);
  }

  // 5. the owner's own console token
  const ownerToken = await ApiClients.GetToken(orgId);
  out.ownerToken = { granted: ownerToken.granted_roles, role: claims(ownerToken.access_token).role };

  // 6. the invitee signs in (second login), sees the invitation and accepts it
  const second = await Auth.Login(env("INVITEE"), env("INVITEE_PASSWORD"));
  Tokens.SetAccessToken(second.access_token);
  Tokens.SetRefreshToken(second.refresh_token);
  out.inviteeListBefore = (await Organizations.List()).Items.map((o) => o.Id);
  out.invites = (await CurrentUser.ListOrgInvites()).Items.map((o) => o.Id);
  await CurrentUser.AcceptOrgInvite(orgId);
  out.inviteeListAfter = (await Organizations.List()).Items.map((o) => o.Id);
  out.contributor = await Organizations.GetContributor(orgId, env("INVITEE"));

  // 7. the contributor's console token carries exactly their roles
  const token = await ApiClients.GetToken(orgId);
  out.inviteeToken = {
    granted: token.granted_roles,
    role: claims(token.access_token).role,
    aud: claims(token.access_token).aud,
  };

  // 8. refresh, per-call access token, and logout
  const refreshed = await Auth.RefreshToken(second.refresh_token);
  out.refreshedMe = (await CurrentUser.Get({ accessToken: refreshed.access_token })).Username;
  await Auth.Logout(second.refresh_token);
  Tokens.RemoveRefreshToken();
  try {
    await CurrentUser.Get({ accessToken: refreshed.access_token });
    out.afterLogout = "no error";
  } catch (e) {
    out.afterLogout = failure(e);
  }

  // 9. the invitee's own account: name, sign-in methods, password (which ends every session)
  const third = await Auth.Login(env("INVITEE"), env("INVITEE_PASSWORD"));
  Tokens.SetAccessToken(third.access_token);
  const me = await CurrentUser.Get();
  out.saved = (await CurrentUser.Save({ ...me, Name: "Renamed by the SDK" })).Name;
  out.methods = await CurrentUser.ListAccounts();
  out.link = await CurrentUser.LinkAccount("Github");
  out.changed = (await CurrentUser.ChangePassword({ CurrentPassword: env("INVITEE_PASSWORD"), NewPassword: "sdk-New-pass-77" })).Username;
  try {
    await CurrentUser.Get();
    out.afterPasswordChange = "no error";
  } catch (e) {
    out.afterPasswordChange = failure(e);
  }
  out.loginWithNew = !!(await Auth.Login(env("INVITEE"), "sdk-New-pass-77")).access_token;
  // 10. sign-up and password reset by code: the codes go by mail (the test reads them there)
  Tokens.RemoveAccessToken();
  await Accounts.Register({ Email: "sdk.newcomer@example.com", Recaptcha: { Token: "x" } });
  out.register = "no error";
  try {
    await Accounts.Verify({ Email: "sdk.newcomer@example.com", Code: "not-the-code", Username: "sdknew",
      Password: "sdk-New-pass-77", Name: "SDK Newcomer" });
    out.verifyWrong = "no error";
  } catch (e) {
    out.verifyWrong = failure(e);
  }
  await Accounts.ForgotPassword({ Email: "nobody.at.all@example.com" });
  out.forgot = "no error";
  return out;
}

main().then(
  (out) => console.log(JSON.stringify(out)),
  (e) => {
    console.log(JSON.stringify({ fatal: String(e), detail: e && e.response ? e.response.data : null }));
    process.exit(1);
  }
);
