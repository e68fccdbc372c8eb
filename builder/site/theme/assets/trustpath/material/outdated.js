/* Material for MkDocs outdated script, moved out of the page so the site's CSP needs no 'unsafe-inline' (issue 15). */
var el=document.querySelector("[data-md-component=outdated]"),base=new URL(document.currentScript.dataset.base,location),outdated=__md_get("__outdated",sessionStorage,base);!0===outdated&&el&&(el.hidden=!1)
