//! The local knowledge base over `tests/kb_corpus`: retrieval quality on known questions,
//! source locations, what is left out (scripts, hidden files, unsupported files), warnings for
//! broken files, determinism and edge cases.
//!
//! The product manual PDF is generated here with `lopdf`, so the corpus holds no binaries; the
//! corpus's `damaged-scan.pdf` is a deliberately broken PDF.

#![cfg(feature = "runtime")]

use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};
use rand::{Rng, SeedableRng};
use std::fs;
use std::path::{Path, PathBuf};
use strata::kb::{Hit, KbError, LocalIndex, Location};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/kb_corpus");

/// The two pages of the Trailhead GPS manual, one line of text each entry.
const MANUAL: [&[&str]; 2] = [
    &[
        "Trailhead GPS Product Manual",
        "Getting started",
        "Charge the navigator fully before its first use with the supplied USB-C cable.",
        "Press and hold the power button for two seconds to switch the unit on.",
        "The map button opens the topographic map and the back button returns to the menu.",
    ],
    &[
        "Specifications",
        "The Trailhead GPS is waterproof to the IPX7 standard and survives immersion",
        "in one metre of water for up to thirty minutes.",
        "Battery life is up to 25 hours with the track recording interval set to ten seconds.",
        "The display is a 3 inch transflective colour screen readable in direct sunlight.",
    ],
];

/// A PDF whose pages hold `pages`' lines, in Helvetica.
fn make_pdf(pages: &[&[&str]]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut kids = Vec::new();
    for lines in pages {
        let mut operations = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 11.into()]),
            Operation::new("TL", vec![16.into()]),
            Operation::new("Td", vec![60.into(), 760.into()]),
        ];
        for line in *lines {
            operations.push(Operation::new("Tj", vec![Object::string_literal(*line)]));
            operations.push(Operation::new("T*", vec![]));
        }
        operations.push(Operation::new("ET", vec![]));
        let content = Content { operations };
        let content_id = doc.add_object(Stream::new(
            dictionary! {},
            content.encode().expect("content encodes"),
        ));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = i64::try_from(kids.len()).expect("few pages");
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("PDF saves");
    bytes
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read corpus") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The corpus plus the generated manual, in a temporary folder.
fn corpus() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("kb");
    copy_dir(Path::new(CORPUS), &root);
    fs::create_dir_all(root.join("manuals")).expect("mkdir");
    fs::write(root.join("manuals/trailhead-gps.pdf"), make_pdf(&MANUAL)).expect("write pdf");
    (dir, root)
}

fn built() -> (tempfile::TempDir, LocalIndex, Vec<strata::kb::IndexWarning>) {
    let (dir, root) = corpus();
    let (index, warnings) = LocalIndex::build(&root).expect("corpus indexes");
    (dir, index, warnings)
}

/// The 1-based line of `source` in the corpus holding `needle`.
fn line_of(source: &str, needle: &str) -> usize {
    let text = fs::read_to_string(Path::new(CORPUS).join(source)).expect("source");
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} not in {source}"))
}

fn top(index: &LocalIndex, query: &str) -> Hit {
    index
        .search(query, 5)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no hit for {query:?}"))
}

#[test]
fn known_questions_find_their_passage_first() {
    let (_dir, index, _) = built();
    let cases = [
        (
            "How many days do I have to return an item for a refund?",
            "policies/refund-policy.md",
            "within 30 days of delivery for a full refund",
        ),
        (
            "When will my refund be paid back to my card?",
            "policies/refund-policy.md",
            "Refunds are issued to the original payment method within 5 to 7 business days",
        ),
        (
            "Do you ship internationally to other countries?",
            "support/shipping-faq.html",
            "We ship to more than 40 countries.",
        ),
        (
            "how much does express shipping cost",
            "support/shipping-faq.html",
            "Express shipping costs a flat $15.",
        ),
        (
            "The map shows blank grey tiles",
            "support/troubleshooting.txt",
            "choose\nRepair Map Library",
        ),
        (
            "How do I calibrate the compass?",
            "support/troubleshooting.txt",
            "rotate the\ndevice in a figure-eight motion",
        ),
        (
            "Is the GPS waterproof?",
            "manuals/trailhead-gps.pdf",
            "waterproof to the IPX7 standard",
        ),
        (
            "How long is the password reset link valid?",
            "support/account/password-reset.md",
            "We send a reset link that is valid for 60 minutes.",
        ),
        (
            "What damage is not covered by the warranty?",
            "policies/warranty.md",
            "Normal wear and tear, damage from accidents",
        ),
        (
            "What time does the Denver store close on Sunday?",
            "support/store-hours.htm",
            "The Denver store keeps the same hours but closes at 5 pm on Sundays.",
        ),
    ];
    for (query, source, sentence) in cases {
        let hit = top(&index, query);
        assert_eq!(hit.source, source, "{query:?} found {hit:#?}");
        assert!(
            hit.text.contains(sentence),
            "{query:?}: top hit lacks {sentence:?}:\n{}",
            hit.text
        );
    }
}

#[test]
fn hits_know_where_they_come_from() {
    let (_dir, index, _) = built();
    // The top hit of `query`, which holds the line of `file` that has `text`.
    let hit_holding = |query: &str, file: &str, text: &str| {
        let hit = top(&index, query);
        let line = line_of(file, text);
        let within = match hit.location {
            Location::Lines { start, end } => start <= line && line <= end,
            Location::Page(_) => false,
        };
        assert!(within, "{:?} should hold line {line}", hit.location);
        hit
    };

    let hit = hit_holding(
        "return items within 30 days",
        "policies/refund-policy.md",
        "30 days of delivery",
    );
    // The front matter is not part of the text.
    assert!(!hit.text.contains("owner: customer-care"));
    assert!(hit.text.starts_with("Refund Policy"), "{}", hit.text);

    hit_holding(
        "ship internationally customs duties",
        "support/shipping-faq.html",
        "customs duties",
    );

    // The troubleshooting guide is long enough for several chunks; the compass passage is in
    // one that starts after the top of the file and stays within the file.
    let total = fs::read_to_string(Path::new(CORPUS).join("support/troubleshooting.txt"))
        .expect("guide")
        .lines()
        .count();
    let hit = hit_holding(
        "compass calibrate figure-eight",
        "support/troubleshooting.txt",
        "figure-eight",
    );
    let Location::Lines { start, end } = hit.location else {
        panic!("lines expected");
    };
    assert!(start > 1 && end <= total, "{start}-{end} of {total}");
    let guide_chunks: Vec<Hit> = index
        .search("troubleshooting navigator device settings", 100)
        .into_iter()
        .filter(|h| h.source == "support/troubleshooting.txt")
        .collect();
    assert!(guide_chunks.len() >= 2, "{guide_chunks:#?}");

    let hit = top(&index, "IPX7 waterproof immersion");
    assert_eq!(hit.location, Location::Page(2));
    let hit = top(&index, "power button switch on first use");
    assert_eq!(hit.source, "manuals/trailhead-gps.pdf");
    assert_eq!(hit.location, Location::Page(1));
}

#[test]
fn invisible_and_ignored_text_is_not_indexed() {
    let (_dir, index, _) = built();
    for query in [
        "trackingPixelSecret",
        "zqxv internal beacon",
        "obfuscatedWidgetToken",
        "analyticsConfig",
        "font-family sans-serif",
        "Enable JavaScript live estimates",
        "carrier contract renews",
        "premium membership pricing",
        "T-100 trail tent stock",
        "Acme Outfitters | Shipping FAQ title",
    ] {
        let hits = index.search(query, 10);
        assert!(
            hits.iter().all(|h| !h.text.contains("zqxv")
                && !h.text.contains("Widget")
                && !h.text.contains("color")
                && !h.text.contains("JavaScript")
                && !h.text.contains("contract")
                && !h.text.contains("premium")
                && !h.text.contains("T-100")
                && !h.text.contains("| Acme")),
            "{query:?} found hidden text: {hits:#?}"
        );
    }
    assert!(index
        .search("trackingPixelSecret obfuscatedWidgetToken", 10)
        .is_empty());
    assert_eq!(
        index.documents(),
        vec![
            "manuals/trailhead-gps.pdf",
            "policies/refund-policy.md",
            "policies/warranty.md",
            "support/account/password-reset.md",
            "support/shipping-faq.html",
            "support/store-hours.htm",
            "support/troubleshooting.txt",
        ]
    );
}

#[test]
fn a_corrupt_pdf_is_a_warning_not_an_error() {
    let (_dir, index, warnings) = built();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].path, "support/damaged-scan.pdf");
    assert!(warnings[0]
        .to_string()
        .starts_with("support/damaged-scan.pdf: skipped"));
    assert!(!index.is_empty());

    // A PDF cut short, and files of random bytes with every supported extension: the build
    // carries on and reports them.
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = make_pdf(&MANUAL);
    fs::write(dir.path().join("half.pdf"), &pdf[..pdf.len() / 2]).expect("write");
    fs::write(dir.path().join("empty.pdf"), b"").expect("write");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for i in 0..12 {
        let len = rng.random_range(0..4096);
        let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        let ext = ["pdf", "html", "md", "txt"][i % 4];
        fs::write(dir.path().join(format!("noise-{i}.{ext}")), bytes).expect("write");
    }
    fs::write(dir.path().join("ok.txt"), "Tents are waterproof.").expect("write");
    let (index, warnings) = LocalIndex::build(dir.path()).expect("builds despite bad files");
    assert_eq!(top(&index, "waterproof tents").source, "ok.txt");
    for name in ["half.pdf", "empty.pdf", "noise-0.pdf"] {
        assert!(
            warnings.iter().any(|w| w.path == name),
            "{name} should warn: {warnings:#?}"
        );
    }
}

#[test]
fn builds_are_deterministic() {
    let (_dir, a, wa) = built();
    let (_dir2, b, wb) = built();
    assert_eq!(a.len(), b.len());
    assert_eq!(a.documents(), b.documents());
    assert_eq!(wa, wb);
    for query in [
        "refund",
        "shipping time",
        "battery drains",
        "store hours Portland",
        "warranty claim photos",
        "the and of",
    ] {
        let (ha, hb) = (a.search(query, 20), b.search(query, 20));
        assert_eq!(ha, hb, "{query:?}");
        let bits = |h: &[Hit]| h.iter().map(|h| h.score.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&ha), bits(&hb));
    }
}

#[test]
fn results_are_ranked_and_bounded() {
    let (_dir, index, _) = built();
    let hits = index.search("shipping refund warranty battery password store", 50);
    assert!(hits.len() > 3);
    for pair in hits.windows(2) {
        assert!(
            pair[0].score > pair[1].score
                || (pair[0].score == pair[1].score && pair[0].chunk_id < pair[1].chunk_id),
            "{pair:#?}"
        );
    }
    assert!(hits.iter().all(|h| h.score > 0.0 && h.score.is_finite()));
    assert_eq!(index.search("shipping refund warranty", 2).len(), 2);
    assert!(index.search("shipping", 0).is_empty());
    assert!(index.search("", 5).is_empty());
    assert!(index.search("   ?!  ", 5).is_empty());
    assert!(index.search("the and of to", 5).is_empty());
    assert!(index.search("xylophonequartz", 5).is_empty());
}

#[test]
fn empty_and_missing_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (index, warnings) = LocalIndex::build(dir.path()).expect("empty folder indexes");
    assert!(index.is_empty());
    assert_eq!(index.len(), 0);
    assert!(index.documents().is_empty());
    assert!(warnings.is_empty());
    assert!(index.search("anything", 5).is_empty());

    let missing = dir.path().join("no-such-folder");
    let err = LocalIndex::build(&missing).expect_err("missing folder");
    assert!(matches!(err, KbError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-folder"), "{err}");

    let file = dir.path().join("file.txt");
    fs::write(&file, "text").expect("write");
    let err = LocalIndex::build(&file).expect_err("a file is not a folder");
    assert!(matches!(err, KbError::NotAFolder { .. }), "{err:?}");
    assert!(err.to_string().contains("file.txt"), "{err}");
}

#[test]
fn the_filesystem_root_and_the_home_folder_are_refused() {
    let err = LocalIndex::build(Path::new("/")).expect_err("the root is refused");
    assert!(matches!(err, KbError::TooBroad { .. }), "{err:?}");
    assert!(err.to_string().contains("filesystem root"), "{err}");
    if let Some(home) = directories::BaseDirs::new().map(|d| d.home_dir().to_owned()) {
        let err = LocalIndex::build(&home).expect_err("the home folder is refused");
        assert!(matches!(err, KbError::TooBroad { .. }), "{err:?}");
        assert!(err.to_string().contains("home folder"), "{err}");
    }
}

#[cfg(unix)]
#[test]
fn links_to_the_root_are_refused_or_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let linked = dir.path().join("docs");
    std::os::unix::fs::symlink("/", &linked).expect("link");
    let err = LocalIndex::build(&linked).expect_err("a link to the root is refused");
    assert!(matches!(err, KbError::TooBroad { .. }), "{err:?}");

    let docs = dir.path().join("real");
    fs::create_dir(&docs).expect("mkdir");
    fs::write(docs.join("a.txt"), "alpha bravo").expect("write");
    std::os::unix::fs::symlink("/", docs.join("everything")).expect("link");
    let (index, warnings) = LocalIndex::build(&docs).expect("indexes");
    assert_eq!(index.documents(), vec!["a.txt".to_owned()]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].path, "everything");
    assert!(
        warnings[0].message.contains("filesystem root"),
        "{warnings:?}"
    );
}

#[test]
fn a_cancelled_build_stops_without_reading() {
    let (_dir, root) = corpus();
    let cancel = tokio_util::sync::CancellationToken::new();
    cancel.cancel();
    let err = LocalIndex::build_cancellable(&root, &cancel).expect_err("cancelled");
    assert!(matches!(err, KbError::Cancelled { .. }), "{err:?}");
    assert!(err.to_string().contains("cancelled"), "{err}");
}

#[tokio::test]
async fn a_background_build_stops_when_its_run_is_cancelled() {
    let (_dir, root) = corpus();
    let run = tokio_util::sync::CancellationToken::new();
    let (index, _) = LocalIndex::build_in_background(root.clone(), &run)
        .await
        .expect("indexes");
    assert!(!index.is_empty());
    run.cancel();
    let err = LocalIndex::build_in_background(root, &run)
        .await
        .expect_err("cancelled");
    assert!(matches!(err, KbError::Cancelled { .. }), "{err:?}");
}

#[test]
fn retrieval_results_have_bedrocks_shape() {
    let (_dir, index, _) = built();
    let hit = top(&index, "password reset link");
    let line = line_of("support/account/password-reset.md", "valid for 60 minutes");
    let r = hit.to_retrieval_result();
    assert_eq!(r["content"]["type"], "TEXT");
    assert_eq!(r["content"]["text"], hit.text);
    assert_eq!(r["location"]["type"], "LOCAL");
    let local = &r["location"]["localLocation"];
    assert_eq!(local["path"], "support/account/password-reset.md");
    let (start, end) = (
        local["lines"]["start"].as_u64().expect("start"),
        local["lines"]["end"].as_u64().expect("end"),
    );
    assert!(start as usize <= line && line <= end as usize);
    assert_eq!(r["score"].as_f64(), Some(hit.score));
    assert_eq!(
        r["metadata"]["x-amz-bedrock-kb-source-uri"],
        "support/account/password-reset.md"
    );
    assert_eq!(
        r["metadata"]["x-amz-bedrock-kb-chunk-id"],
        hit.chunk_id.to_string()
    );

    let r = top(&index, "IPX7").to_retrieval_result();
    assert_eq!(r["location"]["localLocation"]["page"], 2);
    assert_eq!(r["metadata"]["x-amz-bedrock-kb-document-page-number"], 2);
    assert!(r["location"]["localLocation"].get("lines").is_none());
}
