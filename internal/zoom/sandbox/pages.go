package sandbox

// HTML of the sandbox's own pages (sign-in and index). No JavaScript.

const pageStyle = `{{define "style"}}<style>
:root{--ink:#1d2330;--muted:#5b6475;--line:#dde1e8;--bg:#f5f6f8;--card:#fff;--accent:#2456d3;--warn-bg:#fff3cd;--warn-line:#e0a800}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
.banner{background:repeating-linear-gradient(135deg,var(--warn-bg),var(--warn-bg) 14px,#ffeeb3 14px,#ffeeb3 28px);border-bottom:2px solid var(--warn-line);padding:.7rem 1.25rem;text-align:center}
.banner strong{font-size:1.05rem;letter-spacing:.02em;text-transform:uppercase;margin-right:.4rem}
main{max-width:1080px;margin:0 auto;padding:1.5rem 1.25rem 3rem}
h1{font-size:1.6rem;margin:.5rem 0 .25rem}
h2{font-size:1.1rem;margin:2rem 0 .75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
h3{font-size:1rem;margin:0}
.lead{color:var(--muted);margin:0 0 1rem}
code{background:#eceff4;padding:.1rem .35rem;border-radius:4px}
.error{background:#fde8e8;border:1px solid #e5a4a4;color:#8a1c1c;padding:.75rem 1rem;border-radius:8px}
.search,.other{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.75rem 1rem}
.search label,.other label{font-weight:600}
input[type=search],input[type=email]{flex:1;min-width:14rem;padding:.5rem .65rem;border:1px solid var(--line);border-radius:6px;font:inherit}
.search button,.other button{padding:.5rem 1rem;border:0;border-radius:6px;background:var(--accent);color:#fff;font:inherit;cursor:pointer}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:1rem;align-items:start}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem}
.note{color:var(--muted);font-size:.85rem;margin:.15rem 0 .6rem}
.card ul{list-style:none;margin:0;padding:0}
.card li+li{margin-top:.35rem}
.card button{width:100%;display:grid;grid-template-columns:1fr auto;gap:0 .5rem;text-align:left;background:#f9fafc;border:1px solid var(--line);border-radius:8px;padding:.45rem .65rem;font:inherit;color:inherit;cursor:pointer}
.card button:hover,.card button:focus{border-color:var(--accent);background:#eef3ff;outline:none}
.name{font-weight:600}.email{grid-column:1;color:var(--muted);font-size:.85rem}
.role{grid-row:1/3;grid-column:2;align-self:center;font-size:.75rem;padding:.1rem .5rem;border-radius:999px;background:#e7ebf3}
.role-Owner{background:#dbe7ff;color:#173f9e}.role-Admin{background:#e3f4e8;color:#1c6b35}
details{background:var(--card);border:1px solid var(--line);border-radius:10px;margin-bottom:.75rem}
summary{cursor:pointer;padding:.75rem 1rem;font-weight:600}
details .cards{padding:0 1rem 1rem}
.count{color:var(--muted);font-weight:400}
.hint{color:var(--muted);margin-top:-.5rem}
table{border-collapse:collapse;width:100%;background:var(--card)}td,th{border:1px solid var(--line);padding:.4rem .6rem;text-align:left}
footer{color:var(--muted);font-size:.8rem;margin-top:2rem}
</style>{{end}}
{{define "banner"}}<div class="banner" role="note" data-testid="sandbox-banner"><strong>Zoom sandbox</strong> An offline emulator for Tierdesk development and training. This is <em>not</em> Zoom: no real accounts, no real data.</div>{{end}}
{{define "card"}}<section class="card" data-testid="signin-account"><h3>{{.Name}}</h3><p class="note">{{.Note}}</p>
<ul>{{range .Users}}<li><button type="submit" name="login_hint" value="{{.Email}}" data-testid="signin-user"><span class="name">{{.Name}}</span><span class="role role-{{.Role}}">{{.Role}}</span><span class="email">{{.Email}}</span></button></li>{{end}}</ul></section>{{end}}
`

const authzHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · Zoom sandbox</title>{{template "style"}}</head>
<body>{{template "banner"}}
<main>
{{if .AppName}}<h1>Sign in to {{.AppName}}</h1>
<p class="lead">Pick the sandbox user to sign in as. You will be sent back to <code>{{.RedirectHost}}</code>.</p>{{else}}<h1>Sign-in problem</h1>{{end}}
{{if .Error}}<p class="error" role="alert" data-testid="signin-error">{{.Error}}</p>{{end}}
{{if .AppName}}
<form class="search" method="get" action="/oauth/authorize" role="search">
{{range .Hidden}}{{if .Value}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}{{end}}
<label for="q">Find a user or account</label>
<input id="q" name="q" type="search" value="{{.Query}}" placeholder="Name, email or account name">
<button type="submit">Search</button>
</form>
<form method="post" action="/oauth/authorize">
{{range .Hidden}}{{if .Value}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}{{end}}
{{if .Searched}}
<h2>Matching users</h2>
{{if .Matches}}<div class="cards">{{range .Matches}}{{template "card" .}}{{end}}</div>{{else}}<p class="lead">No active user matches “{{.Query}}”.</p>{{end}}
{{else}}
<h2>Partners (primary accounts)</h2>
<div class="cards">{{range .Partners}}{{template "card" .}}{{end}}</div>
<h2>Customers (sub accounts)</h2>
<p class="hint">Owners and admins of each customer. Search above to find any other active user.</p>
{{range .Customers}}<details><summary>Customers of {{.Primary}} <span class="count">({{len .Accounts}})</span></summary>
<div class="cards">{{range .Accounts}}{{template "card" .}}{{end}}</div></details>{{end}}
{{end}}
</form>
<h2>Any other user</h2>
<form class="other" method="post" action="/oauth/authorize">
{{range .Hidden}}{{if .Value}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}{{end}}
<label for="login_hint">Email</label>
<input id="login_hint" name="login_hint" type="email" required placeholder="someone@example.com">
<button type="submit">Sign in</button>
</form>
{{end}}
<footer>Zoom sandbox · scripts can skip this page with <code>login_hint=&lt;email&gt;</code>.</footer>
</main></body></html>`

const indexHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Zoom sandbox</title>{{template "style"}}</head>
<body>{{template "banner"}}
<main>
<h1>Zoom sandbox</h1>
<p class="lead">Serves Zoom's OAuth (<code>/oauth/authorize</code>, <code>/oauth/token</code>, <code>/oauth/revoke</code>) and REST API (<code>/v2/...</code>) at <code>{{.Base}}</code>.</p>
<table>
<tr><th>Seed</th><td>{{.Seed}}</td></tr>
<tr><th>Accounts</th><td>{{.Accounts}} ({{.Primaries}} primary)</td></tr>
<tr><th>Users</th><td>{{.Users}}</td></tr>
<tr><th>Demo OAuth app</th><td><code>{{.ClientID}}</code> / <code>{{.ClientSecret}}</code> (any loopback redirect URI)</td></tr>
</table>
<h2>Introspection</h2>
<ul>
<li><a href="/_sandbox/users?primary=true">/_sandbox/users</a>: users to sign in as (filters: <code>email</code>, <code>account_id</code>, <code>role</code>, <code>primary</code>)</li>
<li><a href="/_sandbox/apps">/_sandbox/apps</a>: OAuth and Server-to-Server apps with their credentials</li>
<li><a href="/_sandbox/requests">/_sandbox/requests</a>: requests received</li>
<li><a href="/_sandbox/faults">/_sandbox/faults</a>, <a href="/_sandbox/webhook">/_sandbox/webhook</a>, <a href="/_sandbox/clock">/_sandbox/clock</a></li>
</ul>
</main></body></html>`
