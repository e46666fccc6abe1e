import {addOperator, listOperators, removeOperator, resetToken, updateOperator} from '../accounts/operators.js';
import {addSite, listSites, removeSite, updateSite} from '../accounts/sites.js';
import type {OperatorRecord} from '../store/types.js';
import type {Handlers} from './handlers.js';

/** An operator as the API shows it: never its token hash. */
function view(o: OperatorRecord) {
  return {name: o.name, displayName: o.displayName, role: o.role, sites: o.sites, createdAt: o.createdAt};
}

export const accountOps = {
  'operators.list': async (ctx) => (await listOperators(ctx)).map(view),
  'operators.add': async (ctx, input) => {
    const {operator, token} = await addOperator(ctx, input.name, input);
    return {operator: view(operator), token};
  },
  'operators.remove': async (ctx, input) => {
    await removeOperator(ctx, input.name);
    return {ok: true};
  },
  'operators.set': async (ctx, input) => view(await updateOperator(ctx, input.name, {displayName: input.displayName, admin: input.admin, sites: input.sites})),
  'operators.resetToken': async (ctx, input) => ({name: input.name, token: await resetToken(ctx, input.name)}),

  'sites.list': (ctx) => listSites(ctx),
  'sites.add': (ctx, input) => addSite(ctx, input.domain, input),
  'sites.set': (ctx, input) => updateSite(ctx, input.domain, input),
  'sites.remove': async (ctx, input) => {
    await removeSite(ctx, input.domain);
    return {ok: true};
  },
} satisfies Partial<Handlers>;
