// PriceSchedules.SavePriceBreak / DeletePriceBreak through the official ordercloud-javascript-sdk@12
// (run by coreapi/tests/test_price_breaks_sdk.py with tests/sdk/harness.py; stdin/stdout as in ./run.js).
// Config: baseApiUrl, clientID, username, password.
'use strict';

const { Configuration, Auth, PriceSchedules } = require('ordercloud-javascript-sdk');

const checks = {};

async function main(cfg) {
  Configuration.Set({ baseApiUrl: cfg.baseApiUrl, clientID: cfg.clientID, timeoutInMilliseconds: 20000 });
  try {
    const auth = await Auth.Login(cfg.username, cfg.password, cfg.clientID, ['PriceScheduleAdmin']);
    const as = { accessToken: auth.access_token };
    await PriceSchedules.Create({ ID: 'sdk-ps', Name: 'SDK', PriceBreaks: [{ Quantity: 1, Price: 10 }] }, as);
    const added = await PriceSchedules.SavePriceBreak('sdk-ps', { Quantity: 10, Price: 8 }, as);
    const replaced = await PriceSchedules.SavePriceBreak('sdk-ps', { Quantity: 1, Price: 9.5, SalePrice: 9 }, as);
    const deleted = await PriceSchedules.DeletePriceBreak('sdk-ps', { quantity: 10 }, as);
    const after = await PriceSchedules.Get('sdk-ps', as);
    let missing = null;
    try {
      await PriceSchedules.DeletePriceBreak('sdk-ps', { quantity: 10 }, as);
    } catch (err) {
      missing = { errorCode: err.errorCode, status: err.status, message: err.message };
    }
    const breaks = (schedule) => schedule.PriceBreaks.map((b) => [b.Quantity, b.Price, b.SalePrice === undefined ? null : b.SalePrice]);
    checks.price_breaks = {
      ok: true,
      addedID: added.ID,
      added: breaks(added),
      replaced: breaks(replaced),
      deleted: deleted === undefined ? null : deleted,
      after: breaks(after),
      missing,
    };
  } catch (err) {
    checks.price_breaks = { ok: false, error: String(err && err.message), status: err && err.status };
  }
}

require('./run')(main, checks);
