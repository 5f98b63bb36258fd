// Security profiles and their assignments, impersonation configs with Users.GetAccessToken, API
// client assignments, user groups (buyer, admin and supplier) and their assignments, supplier users, addresses
// (AdminAddresses, Addresses + assignments, SupplierAddresses, Me's), and the search of spec product assignments,
// through the official
// ordercloud-javascript-sdk@12 (run by coreapi/tests/test_access_admin_sdk.py with
// tests/sdk/harness.py; stdin/stdout as in ./run.js).
// Config: baseApiUrl, adminClientID, adminUsername, adminPassword, adminUserID, buyerID, buyerUserID,
// buyerUsername, buyerPassword, buyerClientID, supplierID.
'use strict';

const {
  Configuration, Auth, Tokens, SecurityProfiles, ImpersonationConfigs, Users, UserGroups, ApiClients, SupplierUsers,
  Products, Specs, SupplierUserGroups, AdminUserGroups, AdminUsers, Orders, MessageSenders, AdminAddresses, Addresses,
  SupplierAddresses, Me,
} = require('ordercloud-javascript-sdk');

const checks = {};

async function check(name, fn) {
  try {
    checks[name] = { ok: true, ...((await fn()) || {}) };
  } catch (err) {
    checks[name] = { ok: false, error: String(err && err.message), errorCode: err && err.errorCode, status: err && err.status };
  }
}

async function failure(fn) {
  try {
    await fn();
  } catch (err) {
    return { errorCode: err.errorCode, status: err.status, message: err.message, name: err.name };
  }
  return { succeeded: true };
}

const META = ['Page', 'PageSize', 'TotalCount', 'TotalPages', 'ItemRange', 'NextPageKey'];
const ids = (page) => page.Items.map((a) => [a.SecurityProfileID, a.BuyerID, a.SupplierID, a.UserGroupID, a.UserID]);
const roles = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64').toString('utf8')).role;

async function main(cfg) {
  Configuration.Set({ baseApiUrl: cfg.baseApiUrl, clientID: cfg.adminClientID, timeoutInMilliseconds: 20000 });
  const auth = await Auth.Login(cfg.adminUsername, cfg.adminPassword, cfg.adminClientID, ['FullAccess']);
  Tokens.SetAccessToken(auth.access_token);
  const B = cfg.buyerID;
  const U = cfg.buyerUserID;
  const S = cfg.supplierID;

  await check('security_profile_assignments', async () => {
    await SecurityProfiles.Create({ ID: 'aa-sp', Name: 'Assigned', Roles: ['ProductReader'] });
    await UserGroups.Create(B, { ID: 'aa-group', Name: 'Group' });
    await SupplierUsers.Create(S, { ID: 'aa-su', Username: 'aa-su', FirstName: 'S', LastName: 'U', Email: 'su@example.com', Active: true });
    for (const assignment of [{ BuyerID: B }, { BuyerID: B, UserGroupID: 'aa-group' }, { BuyerID: B, UserID: U },
      { SupplierID: S }, { SupplierID: S, UserID: 'aa-su' }, {}]) {
      await SecurityProfiles.SaveAssignment({ SecurityProfileID: 'aa-sp', ...assignment });
    }
    const list = (options) => SecurityProfiles.ListAssignments({ securityProfileID: 'aa-sp', ...options });
    const all = await list({ pageSize: 2, page: 2 });
    const result = {
      meta: META.filter((name) => !(name in all.Meta)),
      paging: [all.Meta.Page, all.Meta.PageSize, all.Meta.TotalCount, all.Meta.TotalPages, all.Meta.ItemRange],
      group: ids(await list({ level: 'Group' })),
      users: ids(await list({ level: 'User' })),
      supplier: ids(await list({ commerceRole: 'Supplier' })),
      seller: ids(await list({ commerceRole: 'Seller' })),
      buyerUser: ids(await list({ buyerID: B, userID: U })),
      badLevel: await failure(() => list({ level: 'Team' })),
    };
    const supplierUser = await SupplierUsers.Get(S, 'aa-su');
    result.supplierUserRoles = supplierUser.AvailableRoles;
    await SecurityProfiles.DeleteAssignment('aa-sp', { buyerID: B, userGroupID: 'aa-group' });
    result.afterDelete = ids(await list({ level: 'Group' }));
    return result;
  });

  await check('impersonation_configs_and_get_access_token', async () => {
    await SecurityProfiles.Create({ ID: 'aa-imp', Name: 'Impersonation', Roles: ['Shopper'] });
    // BuyerID / GroupID / UserID: the impersonated user; Impersonation*: the impersonator
    const created = await ImpersonationConfigs.Create({
      ID: 'aa-cfg', BuyerID: B, SecurityProfileID: 'aa-imp', ClientID: cfg.buyerClientID,
    });
    const listed = await ImpersonationConfigs.List({ filters: { ClientID: cfg.buyerClientID } });
    const asked = { ClientID: cfg.buyerClientID, Roles: ['Shopper', 'MeAdmin'] };
    const token = await Users.GetAccessToken(B, U, asked);
    const withoutRoles = await failure(() => Users.GetAccessToken(B, U, { ClientID: cfg.buyerClientID }));
    // a config for the members of one group: applies once the user is in it, and wins (more specific)
    await SecurityProfiles.Create({ ID: 'aa-imp-group', Name: 'Group impersonation', Roles: ['MeAdmin'] });
    await ImpersonationConfigs.Create({
      ID: 'aa-cfg-group', BuyerID: B, GroupID: 'aa-group', SecurityProfileID: 'aa-imp-group', ClientID: cfg.buyerClientID,
    });
    const outsideGroup = roles((await Users.GetAccessToken(B, U, asked)).access_token);
    await UserGroups.SaveUserAssignment(B, { UserGroupID: 'aa-group', UserID: U });
    const inGroup = roles((await Users.GetAccessToken(B, U, asked)).access_token);
    await UserGroups.DeleteUserAssignment(B, 'aa-group', U);
    await ImpersonationConfigs.Delete('aa-cfg-group');
    await ImpersonationConfigs.Patch('aa-cfg', { ImpersonationUserID: U });
    const patched = await ImpersonationConfigs.Get('aa-cfg');
    await ImpersonationConfigs.Delete('aa-cfg');
    const gone = await failure(() => ImpersonationConfigs.Get('aa-cfg'));
    return {
      created: [created.ID, created.BuyerID, created.SecurityProfileID, created.ClientID],
      listed: listed.Items.map((c) => c.ID),
      roles: roles(token.access_token),
      groupScoped: [outsideGroup, inGroup],
      tokenType: token.token_type,
      withoutRoles,
      patched: patched.ImpersonationUserID,
      gone,
    };
  });

  await check('api_client_and_user_group_assignments', async () => {
    const client = await ApiClients.Create({ AppName: 'Assigned app', AccessTokenDuration: 600, Active: true });
    await ApiClients.SaveAssignment({ ApiClientID: client.ID, BuyerID: B });
    await ApiClients.SaveAssignment({ ApiClientID: client.ID, SupplierID: S });
    const counted = await ApiClients.Get(client.ID);
    const assigned = await ApiClients.ListAssignments({ apiClientID: client.ID });
    const both = await failure(() => ApiClients.SaveAssignment({ ApiClientID: client.ID, BuyerID: B, SupplierID: S }));
    await ApiClients.DeleteBuyerAssignment(client.ID, B);
    await ApiClients.DeleteSupplierAssignment(client.ID, S);
    const left = await ApiClients.ListAssignments({ apiClientID: client.ID });
    await UserGroups.SaveUserAssignment(B, { UserGroupID: 'aa-group', UserID: U });
    const members = await UserGroups.ListUserAssignments(B, { userGroupID: 'aa-group', page: 1, pageSize: 5 });
    const inGroup = await Users.List(B, { userGroupID: 'aa-group' });
    await UserGroups.DeleteUserAssignment(B, 'aa-group', U);
    const afterRemove = await UserGroups.ListUserAssignments(B, { userID: U });
    return {
      counts: [counted.AssignedBuyerCount, counted.AssignedSupplierCount],
      assigned: assigned.Items.map((a) => [a.ApiClientID === client.ID, a.BuyerID, a.SupplierID]),
      both: both.errorCode,
      left: left.Meta.TotalCount,
      members: members.Items.map((a) => [a.UserGroupID, a.UserID]),
      membersMeta: META.filter((name) => !(name in members.Meta)),
      inGroup: inGroup.Items.map((u) => u.ID),
      afterRemove: afterRemove.Meta.TotalCount,
    };
  });

  await check('spec_product_assignments_search', async () => {
    for (const product of ['aa-lamp', 'aa-desk']) await Products.Create({ ID: product, Name: product });
    for (const spec of ['aa-color', 'aa-size']) await Specs.Create({ ID: spec, Name: spec });
    for (const [spec, product] of [['aa-color', 'aa-lamp'], ['aa-size', 'aa-lamp'], ['aa-color', 'aa-desk']]) {
      await Specs.SaveProductAssignment({ SpecID: spec, ProductID: product });
    }
    const pairs = (page) => page.Items.map((a) => [a.SpecID, a.ProductID]);
    return {
      byProduct: pairs(await Specs.ListProductAssignments({ search: 'desk', searchOn: ['ProductID'] })),
      bySpec: pairs(await Specs.ListProductAssignments({ search: 'size', searchOn: ['SpecID'], sortBy: ['!ProductID'] })),
      anyField: pairs(await Specs.ListProductAssignments({ search: 'aa-color', sortBy: ['ProductID'] })),
    };
  });

  // an operation the built-in API does not have: an OrderCloudError NotFound, not a TypeError
  await check('admin_user_groups', async () => {
    await AdminUsers.Create({ ID: 'aa-ops-user', Username: 'aa-ops-user', FirstName: 'O', LastName: 'U', Email: 'ops@example.com', Active: true });
    const created = await AdminUserGroups.Create({ ID: 'aa-ops', Name: 'Ops' });
    await AdminUserGroups.Save('aa-ops', { Name: 'Operations' });
    const patched = await AdminUserGroups.Patch('aa-ops', { Description: 'On call' });
    const got = await AdminUserGroups.Get('aa-ops');
    const listed = await AdminUserGroups.List({ search: 'call', searchOn: ['Description'], sortBy: ['ID'] });
    await AdminUserGroups.SaveUserAssignment({ UserGroupID: 'aa-ops', UserID: 'aa-ops-user' });
    await SecurityProfiles.Create({ ID: 'aa-ops-sp', Name: 'Ops', Roles: ['OrderReader'] });
    await SecurityProfiles.SaveAssignment({ SecurityProfileID: 'aa-ops-sp', UserGroupID: 'aa-ops' });
    const assignments = await AdminUserGroups.ListUserAssignments({ userGroupID: 'aa-ops' });
    const member = await AdminUsers.Get('aa-ops-user');
    const notAdmin = await failure(() => AdminUserGroups.SaveUserAssignment({ UserGroupID: 'aa-ops', UserID: U }));
    await AdminUserGroups.DeleteUserAssignment('aa-ops', 'aa-ops-user');
    const afterUnassign = await AdminUserGroups.ListUserAssignments({ userID: 'aa-ops-user' });
    await AdminUserGroups.Delete('aa-ops');
    return {
      created: [created.ID, created.Name], patched: [patched.Name, patched.Description], got: got.Description,
      listed: listed.Items.map((g) => g.ID), assignments: assignments.Items.map((a) => [a.UserGroupID, a.UserID]),
      memberRoles: member.AvailableRoles, notAdmin, afterUnassign: afterUnassign.Items.length,
      gone: await failure(() => AdminUserGroups.Get('aa-ops')),
    };
  });

  await check('supplier_user_groups', async () => {
    await SupplierUsers.Create(S, { ID: 'aa-team-user', Username: 'aa-team-user', FirstName: 'T', LastName: 'U', Email: 'team@example.com', Active: true });
    const created = await SupplierUserGroups.Create(S, { ID: 'aa-team', Name: 'Team' });
    await SupplierUserGroups.Save(S, 'aa-team', { Name: 'Team 2' });
    const patched = await SupplierUserGroups.Patch(S, 'aa-team', { Description: 'Makers' });
    const got = await SupplierUserGroups.Get(S, 'aa-team');
    const listed = await SupplierUserGroups.List(S);
    await SupplierUserGroups.SaveUserAssignment(S, { UserGroupID: 'aa-team', UserID: 'aa-team-user' });
    await SecurityProfiles.Create({ ID: 'aa-team-sp', Name: 'Team', Roles: ['PriceScheduleReader'] });
    await SecurityProfiles.SaveAssignment({ SecurityProfileID: 'aa-team-sp', SupplierID: S, UserGroupID: 'aa-team' });
    const assignments = await SupplierUserGroups.ListUserAssignments(S, { userGroupID: 'aa-team' });
    const members = await SupplierUsers.List(S, { userGroupID: 'aa-team' });
    const member = await SupplierUsers.Get(S, 'aa-team-user');
    const otherSupplier = await failure(() => SupplierUserGroups.SaveUserAssignment(S, { UserGroupID: 'aa-team', UserID: U }));
    await SupplierUserGroups.DeleteUserAssignment(S, 'aa-team', 'aa-team-user');
    await SupplierUserGroups.Delete(S, 'aa-team');
    return {
      created: [created.ID, created.Name], patched: [patched.Name, patched.Description], got: got.Description,
      listed: listed.Items.map((g) => g.ID), assignments: assignments.Items.map((a) => [a.UserGroupID, a.UserID]),
      members: members.Items.map((u) => u.ID), memberRoles: member.AvailableRoles, otherSupplier,
      gone: await failure(() => SupplierUserGroups.Get(S, 'aa-team')),
    };
  });

  // an admin user group as ImpersonationGroupID (the impersonators) and in message sender assignments
  await check('admin_and_supplier_groups_elsewhere', async () => {
    const asked = { ClientID: cfg.buyerClientID, Roles: ['Shopper', 'MeAdmin'] };
    const config = { SecurityProfileID: 'aa-helpdesk-sp', ClientID: cfg.buyerClientID };
    await AdminUserGroups.Create({ ID: 'aa-helpdesk', Name: 'Helpdesk' });
    await SecurityProfiles.Create({ ID: 'aa-helpdesk-sp', Name: 'Helpdesk', Roles: ['MeAdmin'] });
    await ImpersonationConfigs.Create({ ID: 'aa-cfg-helpdesk', ImpersonationGroupID: 'aa-helpdesk', BuyerID: B, ...config });
    const outsideGroup = roles((await Users.GetAccessToken(B, U, asked)).access_token);
    await AdminUserGroups.SaveUserAssignment({ UserGroupID: 'aa-helpdesk', UserID: cfg.adminUserID });
    const inGroup = roles((await Users.GetAccessToken(B, U, asked)).access_token);
    const unknownGroup = await failure(() => ImpersonationConfigs.Create({ ImpersonationGroupID: 'aa-nope', ...config }));
    const groupWithoutBuyer = await failure(() => ImpersonationConfigs.Create({ GroupID: 'aa-group', ...config }));
    await ImpersonationConfigs.Delete('aa-cfg-helpdesk');
    await SupplierUserGroups.Create(S, { ID: 'aa-crew', Name: 'Crew' });
    await MessageSenders.Create({ ID: 'aa-ms', Name: 'Mailer', MessageTypes: ['OrderSubmitted'], DeliveryConfigID: 'dc' });
    await MessageSenders.SaveAssignment({ MessageSenderID: 'aa-ms', UserGroupID: 'aa-helpdesk' });
    await MessageSenders.SaveAssignment({ MessageSenderID: 'aa-ms', SupplierID: S, UserGroupID: 'aa-crew' });
    const groupLevel = await MessageSenders.ListAssignments({ messageSenderID: 'aa-ms', level: 'Group' });
    const notSuppliers = await failure(
      () => MessageSenders.SaveAssignment({ MessageSenderID: 'aa-ms', SupplierID: S, UserGroupID: 'aa-helpdesk' }));
    await MessageSenders.DeleteAssignment('aa-ms', { userGroupID: 'aa-helpdesk' });
    await MessageSenders.DeleteAssignment('aa-ms', { supplierID: S, userGroupID: 'aa-crew' });
    const left = await MessageSenders.ListAssignments({ messageSenderID: 'aa-ms' });
    await MessageSenders.Delete('aa-ms');
    await SupplierUserGroups.Delete(S, 'aa-crew');
    await AdminUserGroups.Delete('aa-helpdesk');
    return {
      outsideGroup, inGroup, unknownGroup, groupWithoutBuyer, notSuppliers, left: left.Meta.TotalCount,
      groupLevel: groupLevel.Items.map((a) => [a.SupplierID, a.UserGroupID]),
    };
  });

  await check('addresses', async () => {
    const home = { Street1: '3 Elm St', City: 'Shelbyville', Country: 'US' };
    // the marketplace's
    const adminCreated = await AdminAddresses.Create({ ID: 'aa-hq', AddressName: 'HQ', xp: { dock: 4 }, ...home });
    await AdminAddresses.Save('aa-hq', { AddressName: 'Head office', ...home });
    const adminPatched = await AdminAddresses.Patch('aa-hq', { Zip: '62701', xp: { gate: 'B' } });
    const adminGot = await AdminAddresses.Get('aa-hq');
    const adminListed = await AdminAddresses.List({ search: 'Head', searchOn: ['AddressName'], sortBy: ['!ID'], filters: { Zip: '627*' } });
    const missingCity = await failure(() => AdminAddresses.Create({ Street1: 'x', Country: 'US' }));
    await AdminAddresses.Delete('aa-hq');
    const adminGone = await failure(() => AdminAddresses.Get('aa-hq'));
    // the buyer's, and its assignments
    const created = await Addresses.Create(B, { ID: 'aa-home', AddressName: 'Home', ...home });
    await Addresses.Save(B, 'aa-office', { AddressName: 'Office', ...home });
    const patched = await Addresses.Patch(B, 'aa-office', { Phone: '555' });
    const got = await Addresses.Get(B, 'aa-office');
    const listed = await Addresses.List(B, { sortBy: ['ID'] });
    await UserGroups.Create(B, { ID: 'aa-addr-group', Name: 'Address group' });
    await UserGroups.SaveUserAssignment(B, { UserGroupID: 'aa-addr-group', UserID: U });
    await Addresses.SaveAssignment(B, { AddressID: 'aa-home', UserID: U, IsShipping: true, IsBilling: false });
    await Addresses.SaveAssignment(B, { AddressID: 'aa-office', UserGroupID: 'aa-addr-group', IsBilling: true });
    const shipping = await Addresses.ListAssignments(B, { isShipping: true });
    const groupLevel = await Addresses.ListAssignments(B, { level: 'Group', addressID: 'aa-office' });
    const unknownUser = await failure(() => Addresses.SaveAssignment(B, { AddressID: 'aa-home', UserID: 'aa-nobody' }));
    const unknownAddress = await failure(() => Addresses.SaveAssignment(B, { AddressID: 'aa-nowhere' }));
    // the buyer user's view: what is assigned to it or its group, and its own
    await SecurityProfiles.Create({ ID: 'aa-me-addr', Name: 'My addresses', Roles: ['MeAddressAdmin'] });
    await SecurityProfiles.SaveAssignment({ SecurityProfileID: 'aa-me-addr', BuyerID: B, UserID: U });
    const shopper = await Auth.Login(cfg.buyerUsername, cfg.buyerPassword, cfg.buyerClientID, ['Shopper', 'MeAddressAdmin']);
    const as = { accessToken: shopper.access_token };
    const flags = (a) => [a.ID, a.Shipping, a.Billing, a.Editable];
    const mine = await Me.ListAddresses({ sortBy: ['ID'] }, as);
    const meGot = await Me.GetAddress('aa-office', as);
    const meShipping = await Me.ListAddresses({ filters: { Shipping: true } }, as);
    const own = await Me.CreateAddress({ AddressName: 'Cabin', Shipping: true, ...home }, as);
    await Me.PatchAddress(own.ID, { Billing: true }, as);
    const ownSaved = await Me.SaveAddress(own.ID, { AddressName: 'Lake cabin', Shipping: true, Billing: false, ...home }, as);
    const ownGot = await Me.GetAddress(own.ID, as);
    const notOwn = await failure(() => Me.PatchAddress('aa-home', { City: 'X' }, as));
    const adminSeesOwn = (await Addresses.List(B)).Items.some((a) => a.ID === own.ID);
    await Me.DeleteAddress(own.ID, as);
    const ownGone = await failure(() => Me.GetAddress(own.ID, as));
    await Addresses.DeleteAssignment(B, 'aa-office', { userGroupID: 'aa-addr-group' });
    const afterUnassign = await Me.ListAddresses({}, as);
    await Addresses.Delete(B, 'aa-home');
    const left = await Addresses.ListAssignments(B);
    const homeGone = await failure(() => Addresses.Get(B, 'aa-home'));
    // the supplier's
    await SupplierAddresses.Create(S, { ID: 'aa-wh', ...home });
    await SupplierAddresses.Save(S, 'aa-wh', { AddressName: 'Warehouse', ...home });
    const supPatched = await SupplierAddresses.Patch(S, 'aa-wh', { Zip: '1' });
    const supGot = await SupplierAddresses.Get(S, 'aa-wh');
    const supListed = await SupplierAddresses.List(S, { search: 'Warehouse' });
    const unknownSupplier = await failure(() => SupplierAddresses.Get('aa-nosup', 'aa-wh'));
    await SupplierAddresses.Delete(S, 'aa-wh');
    return {
      admin: [adminCreated.ID, adminCreated.xp, adminPatched.AddressName, adminPatched.xp, adminGot.Zip, typeof adminGot.DateCreated],
      adminListed: adminListed.Items.map((a) => a.ID), missingCity, adminGone,
      buyer: [created.ID, patched.Phone, got.AddressName, listed.Items.map((a) => a.ID)],
      shipping: shipping.Items.map((a) => [a.AddressID, a.UserID, a.UserGroupID, a.IsShipping, a.IsBilling]),
      groupLevel: groupLevel.Items.map((a) => [a.AddressID, a.UserGroupID]), unknownUser, unknownAddress,
      mine: mine.Items.map(flags), meGot: flags(meGot), meShipping: meShipping.Items.map((a) => a.ID),
      own: [own.ID.length, own.Shipping, own.Billing, own.Editable], ownSaved: [ownSaved.AddressName, ownSaved.Billing],
      ownGot: flags(ownGot).slice(1), notOwn, adminSeesOwn, ownGone,
      afterUnassign: afterUnassign.Items.map((a) => a.ID), left: left.Items.length, homeGone,
      supplier: [supPatched.AddressName, supPatched.Zip, supGot.ID, supListed.Items.map((a) => a.ID)], unknownSupplier,
    };
  });

  await check('unsupported_endpoint_error', async () => ({
    list: await failure(() => Orders.List('Incoming')),
  }));
}

require('./run')(main, checks);
