//! The HTML document around every page, and the drawing of a page into it.

use leptos::config::LeptosOptions;
use leptos::prelude::*;
use tengu_core::domain::Actor;
use tengu_core::views::SiteInfo;

use crate::components::site_header::SiteHeader;
use crate::pages::{Page, Query, Shown, Visit};
use crate::server_glue::{Doors, site_info};

/// A page as the server answers it: its status, its HTML, and the topics it is made of when it may be kept.
pub struct Drawn {
    pub status: http::StatusCode,
    pub html: String,
    pub made_of: Option<tengu_core::ports::Topics>,
}

/// What a page's address and its person ask for.
pub struct Asked<'a> {
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub actor: &'a Actor,
    /// The nonce the response's Content-Security-Policy names for the page's script.
    pub nonce: Option<&'a str>,
}

/// Whether `path` is the address of one of the pages.
pub fn is_a_page(path: &str) -> bool {
    Page::at(path).is_some()
}

/// Loads the page `asked` names for its person, then draws it with the document around it; an address that names
/// no page draws "Nothing here" with a 404.
pub async fn draw(doors: &Doors, options: &LeptosOptions, asked: Asked<'_>) -> Drawn {
    draw_page(doors, options, Page::at(asked.path), asked).await
}

/// What a press draws (`asked.query` is the form it sent: a review, the checks), like a page; it is never kept.
pub async fn draw_pressed(doors: &Doors, options: &LeptosOptions, asked: Asked<'_>) -> Drawn {
    draw_page(doors, options, Page::pressed_at(asked.path), asked).await
}

async fn draw_page(doors: &Doors, options: &LeptosOptions, page: Option<Page>, asked: Asked<'_>) -> Drawn {
    let viewer = match doors.tengu.viewer(asked.actor).await {
        Ok(viewer) => viewer,
        Err(error) => {
            let shown = Shown::failed("", crate::server_glue::sentence(error));
            return Drawn {
                status: http::StatusCode::OK,
                html: document(options, asked.nonce, None, shown),
                made_of: None,
            };
        }
    };
    let site = site_info(doors, &viewer);
    let query = Query::parse(asked.query);
    let visit = Visit { doors, actor: asked.actor, viewer: &viewer, query: &query };
    let (status, shown) = match &page {
        Some(page) => (http::StatusCode::OK, crate::pages::show(page, &visit).await),
        None => (http::StatusCode::NOT_FOUND, Shown::not_found()),
    };
    let made_of = page.filter(|_| shown.kept).map(|page| page.made_of());
    Drawn { status, html: document(options, asked.nonce, Some(site), shown), made_of }
}

/// The HTML document around a page's main part (already written: `Shown::main`). The stylesheet's and the browser
/// program's names carry the build's hash, which only the server knows.
fn document(options: &LeptosOptions, nonce: Option<&str>, site: Option<SiteInfo>, shown: Shown) -> String {
    let Shown { title, main, .. } = shown;
    let title = if title.is_empty() { "tengu".to_owned() } else { format!("{title} · tengu") };
    let stylesheet = stylesheet_href(options);
    let program = browser_program(options, nonce);
    let head = view! {
        <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <link rel="stylesheet" id="leptos" href=stylesheet/>
            {program}
            <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
            <meta name="color-scheme" content="light dark"/>
            <title>{title}</title>
        </head>
    };
    let mut html = String::with_capacity(main.len() + 8 * 1024);
    html.push_str("<!DOCTYPE html><html lang=\"en\">");
    write_view(&mut html, head);
    html.push_str("<body>");
    write_view(&mut html, view! { <SiteHeader site/> });
    // The main part is written into the document as it was drawn: it is never converted into a view again.
    html.push_str("<main id=\"main\" class=\"page\">");
    html.push_str(&main);
    html.push_str("</main></body></html>");
    without_hydration_marks(html)
}

/// Writes `view` as HTML at the end of `html`.
pub(crate) fn write_view(html: &mut String, view: impl IntoView) {
    use leptos::tachys::view::{Position, RenderHtml};
    view.into_view().to_html_with_buf(html, &mut Position::FirstChild, true, false, vec![]);
}

/// Leptos marks where text nodes, lists and empty places meet (`<!>`) for a browser program that would hydrate
/// the page; nothing does, and in `<title>` a mark would be read as text. No mark can be anything else: `<` in
/// text and attribute values is escaped, and no view writes raw HTML. Taken out in place (the document is not
/// copied).
pub fn without_hydration_marks(html: String) -> String {
    const MARK: &[u8] = b"<!>";
    let marks = memchr::memmem::Finder::new(MARK);
    if marks.find(html.as_bytes()).is_none() {
        return html;
    }
    let mut bytes = html.into_bytes();
    // What is kept moves down over the marks: the writing end never passes the reading end.
    let (mut read, mut write) = (0, 0);
    while let Some(found) = marks.find(&bytes[read..]) {
        bytes.copy_within(read..read + found, write);
        write += found;
        read += found + MARK.len();
    }
    bytes.copy_within(read.., write);
    bytes.truncate(write + bytes.len() - read);
    // Only whole ASCII marks were taken out of valid UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// The browser program (`browser`): its module and its WASM are fetched while the page is read, and it starts once
/// both are loaded. Nothing of the page is hydrated; the program only listens.
fn browser_program(options: &LeptosOptions, nonce: Option<&str>) -> impl IntoView + use<> {
    let (module, wasm) = program_files(options);
    let nonce = nonce.map(str::to_owned);
    let start = format!(
        "import('{module}').then(program => program.default({{module_or_path: '{wasm}'}}).then(() => program.start()))"
    );
    view! {
        <link rel="modulepreload" href=module nonce=nonce.clone()/>
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="" nonce=nonce.clone()/>
        <script type="module" nonce=nonce>{start}</script>
    }
}

/// The addresses of the browser program's module and WASM: named by their content's hash when cargo-leptos hashed
/// them, else by wasm-bindgen's plain names.
fn program_files(options: &LeptosOptions) -> (String, String) {
    static FILES: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    FILES
        .get_or_init(|| {
            let (name, pkg) = (options.output_name.to_string(), options.site_pkg_dir.to_string());
            let hashed = |kind: &str| options.hash_files.then(|| asset_hash(kind)).flatten();
            let module = hashed("js").map_or_else(|| format!("{name}.js"), |hash| format!("{name}.{hash}.js"));
            // cargo-leptos names the WASM after the program; wasm-bindgen alone adds `_bg`.
            let plain_wasm =
                if option_env!("LEPTOS_OUTPUT_NAME").is_some() { name.clone() } else { format!("{name}_bg") };
            let wasm =
                hashed("wasm").map_or_else(|| format!("{plain_wasm}.wasm"), |hash| format!("{name}.{hash}.wasm"));
            (format!("/{pkg}/{module}"), format!("/{pkg}/{wasm}"))
        })
        .clone()
}

/// `/pkg/tengu.<hash>.css` when cargo-leptos named the files by their content (`hash-files`: the names are in
/// `hash.txt` beside the server's binary), else `/pkg/tengu.css`. Read once per process.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        let hash = options.hash_files.then(|| asset_hash("css")).flatten();
        let name = options.output_name.to_string();
        let pkg = options.site_pkg_dir.to_string();
        match hash {
            Some(hash) => format!("/{pkg}/{name}.{hash}.css"),
            None => format!("/{pkg}/{name}.css"),
        }
    })
    .clone()
}

/// The hash cargo-leptos recorded for one kind of file (`css`, `js`, `wasm`).
pub fn asset_hash(kind: &str) -> Option<String> {
    let beside_binary = std::env::current_exe().ok()?.parent()?.join("hash.txt");
    let hashes = std::fs::read_to_string(beside_binary).ok()?;
    hashes.lines().find_map(|line| {
        let (file, hash) = line.split_once(':')?;
        (file.trim() == kind).then(|| hash.trim().to_owned())
    })
}
