// App Engine's X-AppEngine-Country: the client's country, looked up from its address in a GeoIP country
// database the gateway was given (nginx's geoip module, a dynamic module of the official image). Only
// what the database knows is sent: no database, an address it does not know, or one of the legacy
// format's regions (AP, EU) or pseudo-countries (A1, A2, O1), and the header is absent — also when a
// client sent its own, which is never passed on.

export const COUNTRY_HEADER = "X-AppEngine-Country";

/** Where a load balancer finds the country database (the Docker gateway's image, a Kubernetes volume). */
export const COUNTRY_DATABASE_DIR = "/etc/cloudengine/geoip";
export const COUNTRY_DATABASE_PATH = `${COUNTRY_DATABASE_DIR}/country.dat`;

/** The geoip module as the official nginx image installs it (package nginx-module-geoip). */
export const GEOIP_MODULE_PATH = "/usr/lib/nginx/modules/ngx_http_geoip_module.so";

/** The variable the header is set from: the country code, or empty. */
export const COUNTRY_VARIABLE = "$cloudengine_country";

/** Legacy GeoIP codes of two letters that are regions, not ISO 3166-1 countries. */
const NOT_COUNTRIES = ["AP", "EU"];

/** Main-context lines: the module, only when there is a database (images without it work otherwise). */
export function renderCountryModule(root: string, lookup: boolean): string[] {
    return lookup ? [`load_module ${root}${GEOIP_MODULE_PATH};`] : [];
}

/** http-level lines that define COUNTRY_VARIABLE: from the database, or always empty. */
export function renderCountryLookup(root: string, lookup: boolean): string[] {
    if (!lookup) return [`map $host ${COUNTRY_VARIABLE} {`, '    default "";', "}"];
    return [
        `geoip_country ${root}${COUNTRY_DATABASE_PATH};`,
        `map $geoip_country_code ${COUNTRY_VARIABLE} {`,
        ...NOT_COUNTRIES.map((code) => `    ${code} "";`),
        '    "~^[A-Z]{2}$" $geoip_country_code;',
        '    default "";',
        "}",
    ];
}
