/* Material for MkDocs content script, moved out of the page so the site's CSP needs no 'unsafe-inline' (issue 15). */
var target=document.getElementById(location.hash.slice(1));target&&target.name&&(target.checked=target.name.startsWith("__tabbed_"))
