/* Material for MkDocs announce script, moved out of the page so the site's CSP needs no 'unsafe-inline' (issue 15). */
var el=document.querySelector("[data-md-component=announce]");if(el){var content=el.querySelector(".md-typeset");__md_hash(content.innerHTML)===__md_get("__announce")&&(el.hidden=!0)}
