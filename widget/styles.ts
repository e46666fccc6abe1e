// Everything explicit and in px: `all: initial` cuts inheritance from the host page (whose
// `font-size` on <html> would otherwise leak in through rem units), and nothing here relies on
// a value the page could set.
const font = 'font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif';
const accent = '#1d4ed8';

export const CSS = `
:host{all:initial!important;position:fixed!important;top:0!important;left:0!important;width:0!important;height:0!important;z-index:2147483646!important;display:block!important}
.r{all:initial;${font};color:#1f2328}
.r *{box-sizing:border-box;${font};color:inherit;margin:0;padding:0;border:0;background:none;text-align:left;letter-spacing:normal;text-transform:none}
[hidden]{display:none!important}
.r button{cursor:pointer;border-radius:6px}
.r button:focus-visible,.r input:focus-visible,.r textarea:focus-visible,.r a:focus-visible,.r .g:focus-visible{outline:2px solid ${accent};outline-offset:2px}
.l{position:fixed;right:16px;bottom:16px;padding:10px 16px;background:${accent};color:#fff;font-weight:600;border-radius:22px;box-shadow:0 2px 8px rgba(0,0,0,.25);max-width:calc(100vw - 32px)}
.l.x{background:#57606a}
.p{position:fixed;right:16px;bottom:70px;width:340px;max-width:calc(100vw - 16px);height:500px;max-height:calc(100vh - 86px);display:flex;flex-direction:column;background:#fff;border:1px solid #d0d7de;border-radius:10px;box-shadow:0 6px 24px rgba(0,0,0,.2);overflow:hidden}
.pop .p{inset:0;width:auto;max-width:none;height:auto;max-height:none;border:0;border-radius:0;box-shadow:none}
@media (max-width:400px){.p{right:8px}}
.h{display:flex;align-items:center;gap:4px;padding:8px 8px 8px 12px;background:${accent};color:#fff}
.h h2{flex:1;font-weight:600;font-size:15px}
.i{padding:2px 8px;color:#fff;font-size:16px}
.s{padding:6px 12px;color:#57606a;font-size:13px;min-height:26px}
.g{flex:1;overflow-y:auto;padding:4px 12px;display:flex;flex-direction:column;gap:6px}
.m{padding:6px 10px;border-radius:8px;background:#f0f3f6;max-width:88%;white-space:pre-wrap;overflow-wrap:anywhere}
.m.v{align-self:flex-end;background:#dbe7ff}
.m.q{opacity:.6}
.m.y{align-self:center;background:none;color:#57606a;font-size:13px;text-align:center}
.m b{display:block;font-size:12px;font-weight:600;color:#57606a}
.m a{color:${accent};text-decoration:underline}
.r form{display:flex;flex-direction:column;gap:8px;padding:8px 12px 12px}
.f{flex:1;overflow-y:auto}
.r label{display:flex;flex-direction:column;gap:2px;font-size:13px;color:#57606a}
.r input,.r textarea{display:block;width:100%;padding:6px 8px;border:1px solid #afb8c1;border-radius:6px;background:#fff;color:#1f2328}
.r textarea{resize:none;height:72px}
.r .k textarea{height:56px}
.b{padding:8px 12px;background:${accent};color:#fff;font-weight:600;text-align:center}
.r .u{background:#fff;color:#1f2328;border:1px solid #afb8c1}
.w{display:flex;gap:8px}
.w .b{flex:1}
.n{padding:8px 12px;color:#1f2328}
.n+.b{margin:0 12px 12px}
`;
