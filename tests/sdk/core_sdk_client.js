// The official ordercloud-javascript-sdk@12 as a real client of the built-in core API.
//
// Run by coreapi/tests/test_sdk_client.py through tests/sdk/harness.py: a JSON config arrives on
// stdin, and one JSON object {"checks": {name: {ok, ...details}}} goes to stdout. Every check is
// isolated (a failure is recorded, never thrown), so pytest can name each broken SDK call.
//
// Config: baseApiUrl (e.g. http://127.0.0.1:PORT/core/sandbox; the SDK appends /oauth/token and
// /v1/...), adminClientID, adminUsername, adminPassword, buyerID, buyerUserID, buyerUsername,
// buyerClientID, prefix (unique per run, used for the IDs this script creates), prehookUrl (a
// receiver that answers every pre-hook with {"proceed": false, "body": {"Reason": ...}}).
'use strict';

const {
  Configuration, Auth, Tokens, Me, Products, ApiClients, Users, Buyers, Specs, Catalogs, Categories, Webhooks,
  Bundles, Suppliers, MessageSenders,
} = require('ordercloud-javascript-sdk');

const checks = {};

async function check(name, fn) {
  try {
    const details = await fn();
    checks[name] = { ok: true, ...(details || {}) };
  } catch (err) {
    checks[name] = {
      ok: false,
      error: String(err && err.message),
      errorCode: err && err.errorCode,
      status: err && err.status,
      body: err && err.response ? err.response.data : undefined,
    };
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

// Calls fn, which must reject with an OrderCloudError; returns what the SDK made of the response.
async function expectOrderCloudError(fn) {
  try {
    await fn();
  } catch (err) {
    // the SDK is compiled to ES5, where `instanceof` an Error subclass is unreliable: use its marker
    assert(err && err.isOrderCloudError === true && err.name === 'OrderCloudError',
      `expected an OrderCloudError, got ${err && err.name}: ${err && err.message}`);
    return { errorCode: err.errorCode, status: err.status, message: err.message, errors: err.errors };
  }
  throw new Error('expected the call to fail, it succeeded');
}

function decodeJwt(token) {
  const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
}

async function main(cfg) {
  Configuration.Set({ baseApiUrl: cfg.baseApiUrl, clientID: cfg.adminClientID, timeoutInMilliseconds: 20000 });
  const p = cfg.prefix;
  let adminToken = null;
  let refreshToken = null;

  await check('auth_login', async () => {
    const res = await Auth.Login(cfg.adminUsername, cfg.adminPassword, cfg.adminClientID, ['FullAccess']);
    assert(res.access_token, 'no access_token');
    assert(res.refresh_token, 'no refresh_token (the API client has a RefreshTokenDuration)');
    assertEqual(String(res.token_type).toLowerCase(), 'bearer', 'token_type');
    assert(res.expires_in > 0, 'expires_in must be positive');
    const claims = decodeJwt(res.access_token);
    assertEqual(claims.usr, cfg.adminUsername, 'usr claim');
    assertEqual(claims.cid, cfg.adminClientID, 'cid claim');
    assertEqual(claims.usrtype, 'admin', 'usrtype claim');
    adminToken = res.access_token;
    refreshToken = res.refresh_token;
    Tokens.SetAccessToken(adminToken);
    return { roles: claims.role };
  });

  await check('auth_refresh_token', async () => {
    assert(refreshToken, 'no refresh token from auth_login');
    const res = await Auth.RefreshToken(refreshToken, cfg.adminClientID);
    assert(res.access_token && res.access_token !== adminToken, 'refresh must mint a new access token');
    assert(res.refresh_token && res.refresh_token !== refreshToken, 'refresh tokens rotate');
    assertEqual(decodeJwt(res.access_token).usr, cfg.adminUsername, 'usr claim after refresh');
    // single-use: the spent refresh token is refused as InvalidGrant
    const reuse = await expectOrderCloudError(() => Auth.RefreshToken(refreshToken, cfg.adminClientID));
    assertEqual(reuse.errorCode, 'InvalidGrant', 'reusing a refresh token');
    Tokens.SetAccessToken(res.access_token);
    adminToken = res.access_token;
  });

  await check('me_get', async () => {
    const me = await Me.Get();
    assertEqual(me.Username, cfg.adminUsername, 'Me.Username');
    assert(Array.isArray(me.AvailableRoles) && me.AvailableRoles.includes('FullAccess'), `AvailableRoles: ${JSON.stringify(me.AvailableRoles)}`);
  });

  const productIDs = ['a', 'b', 'c', 'd', 'e'].map((s) => `${p}-prod-${s}`);
  await check('products_create', async () => {
    const colors = ['red', 'blue', 'red', 'green', 'red'];
    for (let i = 0; i < productIDs.length; i += 1) {
      const created = await Products.Create({
        ID: productIDs[i], Name: `${p} Widget ${i}`, Active: true, QuantityMultiplier: 1, xp: { color: colors[i], rank: i },
      });
      assertEqual(created.ID, productIDs[i], 'created ID');
      assertEqual(created.xp.color, colors[i], 'created xp.color');
    }
    const generated = await Products.Create({ Name: `${p} generated id`, QuantityMultiplier: 1 });
    assert(/^[A-Za-z0-9_-]{22}$/.test(generated.ID), `generated ID should be 22 URL-safe chars, got ${generated.ID}`);
    await Products.Delete(generated.ID);
  });

  await check('products_list_filter_sort_page', async () => {
    const page1 = await Products.List({ filters: { ID: `${p}-prod-*` }, sortBy: ['!ID'], page: 1, pageSize: 2 });
    assertEqual(page1.Items.map((x) => x.ID), [productIDs[4], productIDs[3]], 'page 1 IDs sorted descending');
    assertEqual(page1.Meta.Page, 1, 'Meta.Page');
    assertEqual(page1.Meta.PageSize, 2, 'Meta.PageSize');
    assertEqual(page1.Meta.TotalCount, 5, 'Meta.TotalCount');
    assertEqual(page1.Meta.TotalPages, 3, 'Meta.TotalPages');
    assertEqual(page1.Meta.ItemRange, [1, 2], 'Meta.ItemRange');
    const page3 = await Products.List({ filters: { ID: `${p}-prod-*` }, sortBy: ['!ID'], page: 3, pageSize: 2 });
    assertEqual(page3.Items.map((x) => x.ID), [productIDs[0]], 'page 3 IDs');
    assertEqual(page3.Meta.ItemRange, [5, 5], 'page 3 ItemRange');
  });

  await check('products_list_xp_and_operators', async () => {
    const red = await Products.List({ filters: { ID: `${p}-prod-*`, xp: { color: 'red' } }, sortBy: ['ID'] });
    assertEqual(red.Items.map((x) => x.ID), [productIDs[0], productIDs[2], productIDs[4]], 'xp.color=red');
    const notRed = await Products.List({ filters: { ID: `${p}-prod-*`, xp: { color: '!red' } }, sortBy: ['ID'] });
    assertEqual(notRed.Items.map((x) => x.ID), [productIDs[1], productIDs[3]], 'xp.color=!red');
    const either = await Products.List({ filters: { ID: `${productIDs[0]}|${productIDs[3]}` }, sortBy: ['ID'] });
    assertEqual(either.Items.map((x) => x.ID), [productIDs[0], productIDs[3]], 'ID=a|d');
    const ranked = await Products.List({ filters: { ID: `${p}-prod-*`, xp: { rank: '>=3' } }, sortBy: ['ID'] });
    assertEqual(ranked.Items.map((x) => x.ID), [productIDs[3], productIDs[4]], 'xp.rank>=3');
    const searched = await Products.List({ search: `${p} Widget 2`, searchOn: ['Name'] });
    assert(searched.Items.some((x) => x.ID === productIDs[2]), 'search on Name finds Widget 2');
  });

  await check('products_patch', async () => {
    const patched = await Products.Patch(productIDs[0], { Name: `${p} Patched`, xp: { color: 'purple' } });
    assertEqual(patched.Name, `${p} Patched`, 'patched Name');
    const fetched = await Products.Get(productIDs[0]);
    assertEqual(fetched.Name, `${p} Patched`, 'Name after Get');
    assertEqual(fetched.xp.color, 'purple', 'xp.color after Get');
  });

  await check('products_delete', async () => {
    await Products.Delete(productIDs[1]);
    const gone = await expectOrderCloudError(() => Products.Get(productIDs[1]));
    assertEqual(gone.errorCode, 'NotFound', 'Get after Delete');
    assertEqual(gone.status, 404, 'status after Delete');
  });

  let appID = null; // ApiClient.ID is read-only in the SDK: the API generates it
  await check('api_clients_crud', async () => {
    const created = await ApiClients.Create({
      AppName: `${p} integration`, Active: true, AllowSeller: true, AccessTokenDuration: 600,
    });
    assert(created.ID, 'the API generates the ID');
    appID = created.ID;
    assertEqual(created.AppName, `${p} integration`, 'created AppName');
    const got = await ApiClients.Get(appID);
    assertEqual(got.AllowSeller, true, 'AllowSeller');
    const patched = await ApiClients.Patch(appID, { AppName: `${p} renamed` });
    assertEqual(patched.AppName, `${p} renamed`, 'patched AppName');
    const saved = await ApiClients.Save(appID, {
      AppName: `${p} saved`, Active: true, AllowSeller: true, AccessTokenDuration: 600,
      ClientSecret: `${p}-secret-value`, DefaultContextUserName: cfg.adminUsername,
    });
    assertEqual(saved.AppName, `${p} saved`, 'saved AppName');
    const listed = await ApiClients.List({ filters: { AppName: `${p} saved` } });
    assertEqual(listed.Items.map((x) => x.ID), [appID], 'List filtered by AppName');
  });

  await check('auth_client_credentials', async () => {
    const res = await Auth.ClientCredentials(`${p}-secret-value`, appID, ['ProductReader']);
    const claims = decodeJwt(res.access_token);
    assertEqual(claims.cid, appID, 'cid claim');
    assertEqual(claims.usr, cfg.adminUsername, 'acts as DefaultContextUserName');
    const roles = [].concat(claims.role || []);
    assertEqual(roles, ['ProductReader'], 'role claim is the requested role');
    const listed = await Products.List({ filters: { ID: productIDs[2] } }, { accessToken: res.access_token });
    assertEqual(listed.Items.map((x) => x.ID), [productIDs[2]], 'client-credentials token reads products');
    const wrong = await expectOrderCloudError(() => Auth.ClientCredentials('wrong-secret', appID, ['ProductReader']));
    assertEqual(wrong.errorCode, 'InvalidGrant', 'wrong client secret');
    const missing = await expectOrderCloudError(() => Auth.Login(cfg.adminUsername, cfg.adminPassword, appID, ['FullAccess']));
    assertEqual(missing.errorCode, 'InvalidGrant', 'password grant without the required client secret');
  });

  await check('api_client_secrets', async () => {
    const expires = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
    const created = await ApiClients.CreateSecret(appID, { ID: `${p}-rotated`, Name: 'Rotated', Expiration: expires });
    assert(created.ClientSecret && created.ClientSecret.length >= 40, 'CreateSecret returns the generated value');
    const got = await ApiClients.GetSecret(appID, created.ID);
    assertEqual(Object.keys(got).sort(), ['Expiration', 'ID', 'Name'], 'GetSecret never shows the value');
    const patched = await ApiClients.PatchSecret(appID, created.ID, { Name: 'Rotated (CI)' });
    assertEqual(patched.Name, 'Rotated (CI)', 'PatchSecret Name');
    const listed = await ApiClients.ListSecrets(appID, { filters: { Name: 'Rotated*' } });
    assertEqual(listed.Items.map((x) => x.ID), [created.ID], 'ListSecrets filtered by Name');
    // the new secret and the ClientSecret field both work until the old one is removed
    const res = await Auth.ClientCredentials(created.ClientSecret, appID, ['ProductReader']);
    assertEqual(decodeJwt(res.access_token).cid, appID, 'client_credentials with the new secret');
    await Auth.ClientCredentials(`${p}-secret-value`, appID, ['ProductReader']);
    await ApiClients.DeleteSecret(appID, created.ID);
    const refused = await expectOrderCloudError(() => Auth.ClientCredentials(created.ClientSecret, appID, ['ProductReader']));
    assertEqual(refused.errorCode, 'InvalidGrant', 'a deleted secret');
  });

  await check('api_clients_delete', async () => {
    await ApiClients.Delete(appID);
    const gone = await expectOrderCloudError(() => ApiClients.Get(appID));
    assertEqual(gone.errorCode, 'NotFound', 'Get after Delete');
    assertEqual(gone.message, `ApiClient ${appID} not found`, 'SDK NotFound message');
  });

  await check('users_get_access_token_impersonation', async () => {
    const res = await Users.GetAccessToken(cfg.buyerID, cfg.buyerUserID, { ClientID: cfg.buyerClientID, Roles: ['MeAdmin', 'Shopper'] });
    assert(res.access_token, 'no access_token');
    const claims = decodeJwt(res.access_token);
    assertEqual(claims.usr, cfg.buyerUsername, 'usr claim of the impersonation token');
    assertEqual(claims.cid, cfg.buyerClientID, 'cid claim of the impersonation token');
    assertEqual(claims.usrtype, 'buyer', 'usrtype claim');
    assert(claims.imp, 'imp claim present on an impersonation token');
    Tokens.SetImpersonationToken(res.access_token);
    const me = await Me.As().Get();
    assertEqual(me.Username, cfg.buyerUsername, 'Me.As().Get() is the impersonated buyer user');
    assertEqual(me.Buyer && me.Buyer.ID, cfg.buyerID, 'Me.Buyer.ID');
  });

  await check('users_move', async () => {
    await Buyers.Create({ ID: `${p}-from`, Name: 'From', Active: true });
    await Buyers.Create({ ID: `${p}-to`, Name: 'To', Active: true });
    await Users.Create(`${p}-from`, {
      ID: `${p}-mover`, Username: `${p}-mover`, FirstName: 'Mo', LastName: 'Ver', Email: 'mo@example.com', Active: true,
    });
    const moved = await Users.Move(`${p}-from`, `${p}-mover`, `${p}-to`, { orders: 'None' });
    assertEqual([moved.ID, moved.CompanyID], [`${p}-mover`, `${p}-to`], 'Move returns the user in its new buyer');
    const got = await Users.Get(`${p}-to`, `${p}-mover`);
    assertEqual(got.Username, `${p}-mover`, 'Users.Get in the new buyer');
    const gone = await expectOrderCloudError(() => Users.Get(`${p}-from`, `${p}-mover`));
    assertEqual(gone.errorCode, 'NotFound', 'no longer in the old buyer');
  });

  await check('product_variants', async () => {
    const product = `${p}-shirt`;
    await Products.Create({ ID: product, Name: 'Shirt', Active: true });
    await Specs.Create({ ID: `${p}-size`, Name: 'Size', ListOrder: 1, DefinesVariant: true, Required: true });
    await Specs.CreateOption(`${p}-size`, { ID: 'S', Value: 'Small', ListOrder: 1 });
    await Specs.CreateOption(`${p}-size`, { ID: 'L', Value: 'Large', ListOrder: 2 });
    await Specs.SaveProductAssignment({ SpecID: `${p}-size`, ProductID: product });
    const generated = await Products.GenerateVariants(product, { Active: false }, { overwriteExisting: false });
    assertEqual([generated.ID, generated.VariantCount], [product, 2], 'GenerateVariants returns the product');
    const specs = await Products.ListSpecs(product);
    assertEqual(specs.Items.map((s) => s.ID), [`${p}-size`], 'Products.ListSpecs');
    const page = await Products.ListVariants(product, { sortBy: ['ID'], filters: { Active: false } });
    assertEqual(page.Items.map((v) => v.ID), [`${product}-L`, `${product}-S`], 'ListVariants');
    const saved = await Products.SaveVariant(product, `${product}-S`, { ID: `${p}-sku-s`, Name: 'Small shirt', Active: true });
    assertEqual([saved.ID, saved.Specs[0].Value], [`${p}-sku-s`, 'Small'], 'SaveVariant may change the ID');
    const patched = await Products.PatchVariant(product, `${p}-sku-s`, { Inventory: { QuantityAvailable: 0 } });
    assertEqual(patched.Inventory.QuantityAvailable, 0, 'PatchVariant sends 0');
    const got = await Products.GetVariant(product, `${p}-sku-s`);
    assertEqual(got.Name, 'Small shirt', 'GetVariant');
    const missing = await expectOrderCloudError(() => Products.GetVariant(product, `${product}-S`));
    assertEqual(missing.errorCode, 'NotFound', 'the old variant ID is gone');
  });

  await check('category_assignments', async () => {
    const catalog = `${p}-cat`;
    await Buyers.Create({ ID: `${p}-cb`, Name: 'Category buyer', Active: true });
    await Catalogs.Create({ ID: catalog, Name: 'Catalog', Active: true });
    await Categories.Create(catalog, { ID: 'gifts', Name: 'Gifts', Active: true });
    await Categories.SaveAssignment(catalog, { CategoryID: 'gifts', BuyerID: `${p}-cb`, Visible: true, ViewAllProducts: false });
    const page = await Categories.ListAssignments(catalog, { buyerID: `${p}-cb` });
    assertEqual(page.Items.map((a) => [a.CategoryID, a.Visible, a.ViewAllProducts]), [['gifts', true, false]], 'ListAssignments');
    await Categories.DeleteAssignment(catalog, 'gifts', { buyerID: `${p}-cb` });
    const after = await Categories.ListAssignments(catalog, { categoryID: 'gifts' });
    assertEqual(after.Meta.TotalCount, 0, 'DeleteAssignment');
  });

  await check('products_list_by_catalog_category_supplier', async () => {
    const catalog = `${p}-shop`;
    await Catalogs.Create({ ID: catalog, Name: 'Shop', Active: true });
    await Categories.Create(catalog, { ID: 'tools', Name: 'Tools', Active: true });
    await Suppliers.Create({ ID: `${p}-maker`, Name: 'Maker', Active: true });
    for (const id of ['hammer', 'saw', 'glue']) {
      await Products.Create({ ID: `${p}-${id}`, Name: id, Active: true });
    }
    await Catalogs.SaveProductAssignment({ CatalogID: catalog, ProductID: `${p}-hammer` });
    await Catalogs.SaveProductAssignment({ CatalogID: catalog, ProductID: `${p}-saw` });
    await Categories.SaveProductAssignment(catalog, { CategoryID: 'tools', ProductID: `${p}-saw` });
    await Products.SaveSupplier(`${p}-glue`, `${p}-maker`, { defaultPriceScheduleID: undefined });
    const inCatalog = await Products.List({ catalogID: catalog, sortBy: ['ID'] });
    assertEqual(inCatalog.Items.map((x) => x.ID), [`${p}-hammer`, `${p}-saw`], 'Products.List catalogID');
    const inCategory = await Products.List({ catalogID: catalog, categoryID: 'tools' });
    assertEqual(inCategory.Items.map((x) => x.ID), [`${p}-saw`], 'Products.List categoryID');
    const bySupplier = await Products.List({ supplierID: `${p}-maker` });
    assertEqual(bySupplier.Items.map((x) => x.ID), [`${p}-glue`], 'Products.List supplierID');
    const suppliers = await Products.ListSuppliers(`${p}-glue`);
    assertEqual(suppliers.Items.map((x) => [x.ID, x.Name]), [[`${p}-maker`, 'Maker']], 'Products.ListSuppliers');
    await Products.RemoveSupplier(`${p}-glue`, `${p}-maker`);
    assertEqual((await Products.ListSuppliers(`${p}-glue`)).Meta.TotalCount, 0, 'Products.RemoveSupplier');
    const missing = await expectOrderCloudError(() => Products.List({ catalogID: `${p}-no-such-catalog` }));
    assertEqual([missing.errorCode, missing.status], ['NotFound', 404], 'an unknown catalog');
  });

  await check('bundles', async () => {
    const bundle = `${p}-kit`;
    const created = await Bundles.Create({ ID: bundle, Name: 'Kit', Active: true });
    assertEqual([created.ID, created.Name, created.Active], [bundle, 'Kit', true], 'Bundles.Create');
    await Bundles.Patch(bundle, { Description: 'Everything' });
    assertEqual((await Bundles.Get(bundle)).Description, 'Everything', 'Bundles.Patch / Get');
    await Products.Create({ ID: `${p}-part`, Name: 'Part', Active: true });
    await Bundles.SaveProductAssignment({ BundleID: bundle, ProductID: `${p}-part`, Required: false, DefaultQuantity: 3 });
    const parts = await Bundles.ListProductAssignments({ bundleID: bundle });
    assertEqual(parts.Items.map((a) => [a.ProductID, a.Required, a.DefaultQuantity]), [[`${p}-part`, false, 3]],
      'Bundles.ListProductAssignments');
    await Buyers.Create({ ID: `${p}-bb`, Name: 'Bundle buyer', Active: true });
    await Bundles.SaveAssignment({ BundleID: bundle, BuyerID: `${p}-bb` });
    const assigned = await Bundles.ListAssignments({ bundleID: bundle, level: 'Company' });
    assertEqual(assigned.Items.map((a) => a.BuyerID), [`${p}-bb`], 'Bundles.ListAssignments');
    await Catalogs.Create({ ID: `${p}-bcat`, Name: 'Bundle catalog', Active: true });
    await Catalogs.SaveBundleAssignment({ CatalogID: `${p}-bcat`, BundleID: bundle });
    const listed = await Bundles.List({ catalogID: `${p}-bcat` });
    assertEqual(listed.Items.map((b) => b.ID), [bundle], 'Bundles.List catalogID');
    await Catalogs.DeleteBundleAssignment(`${p}-bcat`, bundle);
    await Bundles.DeleteAssignment(bundle, `${p}-bb`);
    await Bundles.DeleteProductAssignment(bundle, `${p}-part`);
    assertEqual((await Bundles.ListAssignments({ bundleID: bundle })).Meta.TotalCount, 0, 'Bundles.DeleteAssignment');
    await Bundles.Delete(bundle);
    const gone = await expectOrderCloudError(() => Bundles.Get(bundle));
    assertEqual(gone.errorCode, 'NotFound', 'Bundles.Delete');
  });

  await check('message_sender_assignments_and_buyer_users', async () => {
    const sender = `${p}-mailer`;
    await MessageSenders.Create({ ID: sender, Name: 'Mailer', MessageTypes: ['OrderSubmitted'], DeliveryConfigID: 'dc' });
    await MessageSenders.SaveAssignment({ MessageSenderID: sender, BuyerID: cfg.buyerID });
    const page = await MessageSenders.ListAssignments({ messageSenderID: sender });
    assertEqual(page.Items.map((a) => [a.BuyerID, a.MessageConfigName]), [[cfg.buyerID, 'Mailer']],
      'MessageSenders.ListAssignments');
    await MessageSenders.DeleteAssignment(sender, { buyerID: cfg.buyerID });
    assertEqual((await MessageSenders.ListAssignments({ messageSenderID: sender })).Meta.TotalCount, 0,
      'MessageSenders.DeleteAssignment');
    const users = await Users.ListAcrossBuyers({ filters: { CompanyID: cfg.buyerID } });
    assertEqual(users.Items.map((u) => [u.ID, u.CompanyID]), [[cfg.buyerUserID, cfg.buyerID]], 'Users.ListAcrossBuyers');
  });

  await check('error_invalid_credentials', async () => {
    const wrongPassword = await expectOrderCloudError(() => Auth.Login(cfg.adminUsername, 'not-the-password', cfg.adminClientID, ['FullAccess']));
    const unknownUser = await expectOrderCloudError(() => Auth.Login(`${p}-nobody`, 'not-the-password', cfg.adminClientID, ['FullAccess']));
    assertEqual(wrongPassword.errorCode, 'InvalidCredentials', 'wrong password');
    assertEqual(unknownUser, wrongPassword, 'unknown user answers exactly like a wrong password');
    return { status: wrongPassword.status };
  });

  await check('error_invalid_grant', async () => {
    const unknownClient = await expectOrderCloudError(() => Auth.Login(cfg.adminUsername, cfg.adminPassword, `${p}-no-such-client`, ['FullAccess']));
    assertEqual(unknownClient.errorCode, 'InvalidGrant', 'unknown client_id');
    return { status: unknownClient.status };
  });

  await check('webhook_prehook_blocks', async () => {
    const hook = await Webhooks.Create({
      ID: `${p}-prehook`, Name: 'Buyer gate', Url: cfg.prehookUrl, HashKey: 'sdk-hash-key',
      BeforeProcessRequest: true, ApiClientIDs: [cfg.adminClientID],
      WebhookRoutes: [{ Route: 'v1/buyers', Verb: 'POST' }],
    });
    try {
      const blocked = await expectOrderCloudError(() => Buyers.Create({ ID: `${p}-gated`, Name: 'Gated' }));
      assertEqual(blocked.status, 400, 'status');
      assertEqual(blocked.errorCode, 'blocked by web hook', 'errorCode');
      assertEqual(blocked.errors[0].Data, { WebhookName: 'Buyer gate', Body: { Reason: 'no new buyers today' } }, 'Data');
      await expectOrderCloudError(() => Buyers.Get(`${p}-gated`));
    } finally {
      await Webhooks.Delete(hook.ID);
    }
    const created = await Buyers.Create({ ID: `${p}-gated`, Name: 'Gated' });
    assertEqual(created.ID, `${p}-gated`, 'the buyer once the pre-hook is gone');
    await Buyers.Delete(created.ID);
  });

  await check('category_tree_and_me_lists', async () => {
    const catalog = `${p}-tree`;
    await Catalogs.Create({ ID: catalog, Name: 'Tree', Active: true });
    for (const [id, parent] of [['top', null], ['mid', 'top'], ['leaf', 'mid'], ['other', null]]) {
      await Categories.Create(catalog, { ID: id, Name: id, Active: true, ParentID: parent });
    }
    const top = await Categories.List(catalog, { depth: '1', sortBy: ['ID'] });
    assertEqual(top.Items.map((c) => c.ID), ['other', 'top'], 'Categories.List depth 1');
    const below = await Categories.List(catalog, { depth: 'all', filters: { ParentID: 'top' }, sortBy: ['ID'] });
    assertEqual(below.Items.map((c) => c.ID), ['leaf', 'mid'], 'Categories.List depth all under a ParentID');
    await Suppliers.Create({ ID: `${p}-seller`, Name: 'Seller', Active: true });
    await Products.Create({ ID: `${p}-lamp`, Name: 'Lamp', Active: true });
    await Products.Create({ ID: `${p}-desk`, Name: 'Desk', Active: true, DefaultSupplierID: `${p}-seller` });
    for (const product of [`${p}-lamp`, `${p}-desk`]) {
      await Catalogs.SaveProductAssignment({ CatalogID: catalog, ProductID: product });
    }
    await Categories.SaveProductAssignment(catalog, { CategoryID: 'leaf', ProductID: `${p}-lamp` });
    await Categories.SaveProductAssignment(catalog, { CategoryID: 'other', ProductID: `${p}-lamp` });
    await Catalogs.SaveAssignment({ CatalogID: catalog, BuyerID: cfg.buyerID, ViewAllCategories: true, ViewAllProducts: true });
    const shopper = await Users.GetAccessToken(cfg.buyerID, cfg.buyerUserID, { ClientID: cfg.buyerClientID, Roles: ['Shopper'] });
    const asShopper = { accessToken: shopper.access_token };
    const lampIn = await Me.ListCategories({ catalogID: catalog, productID: `${p}-lamp`, sortBy: ['ID'] }, asShopper);
    assertEqual(lampIn.Items.map((c) => c.ID), ['leaf', 'other'], 'Me.ListCategories productID');
    const sold = await Me.ListProducts({ catalogID: catalog, sellerID: `${p}-seller` }, asShopper);
    assertEqual(sold.Items.map((x) => x.ID), [`${p}-desk`], 'Me.ListProducts sellerID');
    await Categories.Delete(catalog, 'top');
    const left = await Categories.List(catalog, { depth: 'all' });
    assertEqual(left.Items.map((c) => c.ID), ['other'], 'Categories.Delete takes the subcategories');
  });

  await check('category_adjust_list_orders', async () => {
    const catalog = `${p}-orders`;
    await Catalogs.Create({ ID: catalog, Name: 'Orders', Active: true });
    await Categories.Create(catalog, { ID: 'first', Name: 'First', Active: true, ListOrder: 1 });
    await Categories.Create(catalog, { ID: 'second', Name: 'Second', Active: true, ListOrder: 2 });
    await Categories.Create(catalog, { ID: 'new', Name: 'New', Active: true, ListOrder: 1 }, { adjustListOrders: true });
    const listed = await Categories.List(catalog, { sortBy: ['ListOrder'] });
    assertEqual(listed.Items.map((c) => [c.ID, c.ListOrder]), [['new', 1], ['first', 2], ['second', 3]],
      'Categories.Create adjustListOrders');
    await Categories.Patch(catalog, 'second', { ListOrder: 1 }, { adjustListOrders: true });
    const moved = await Categories.List(catalog, { sortBy: ['ListOrder'] });
    assertEqual(moved.Items.map((c) => c.ID), ['second', 'new', 'first'], 'Categories.Patch adjustListOrders');
  });

  await check('error_not_found', async () => {
    const missing = await expectOrderCloudError(() => Products.Get(`${p}-missing`));
    assertEqual(missing.errorCode, 'NotFound', 'errorCode');
    assertEqual(missing.status, 404, 'status');
    assertEqual(missing.message, `Product ${p}-missing not found`, 'SDK message from Data.ObjectType/ObjectID');
  });
}

require('./run')(main, checks);
