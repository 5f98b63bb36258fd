// Me.ListSpecs / Me.GetSpec through the official ordercloud-javascript-sdk@12 (run by
// coreapi/tests/test_me_specs_sdk.py with tests/sdk/harness.py; stdin/stdout as in ./run.js).
// Config: baseApiUrl, clientID, username, password, productID,
// hiddenProductID.
'use strict';

const { Configuration, Auth, Me } = require('ordercloud-javascript-sdk');

const checks = {};

async function main(cfg) {
  Configuration.Set({ baseApiUrl: cfg.baseApiUrl, clientID: cfg.clientID, timeoutInMilliseconds: 20000 });
  try {
    const auth = await Auth.Login(cfg.username, cfg.password, cfg.clientID, ['Shopper']);
    const as = { accessToken: auth.access_token };
    const page = await Me.ListSpecs(cfg.productID, { sortBy: ['ListOrder'], pageSize: 10 }, as);
    const one = await Me.GetSpec(cfg.productID, page.Items[0].ID, {}, as);
    let hidden = null;
    try {
      await Me.ListSpecs(cfg.hiddenProductID, {}, as);
    } catch (err) {
      hidden = { errorCode: err.errorCode, status: err.status, message: err.message };
    }
    checks.me_specs = {
      ok: true,
      ids: page.Items.map((spec) => spec.ID),
      options: page.Items.map((spec) => spec.Options.map((option) => option.Value)),
      total: page.Meta.TotalCount,
      got: one.ID,
      hidden,
    };
  } catch (err) {
    checks.me_specs = { ok: false, error: String(err && err.message), status: err && err.status };
  }
}

require('./run')(main, checks);
