//! The real `liaison` binary as a child process: a server one can kill, and one-shot commands.
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const SECRET: &str = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

/// A command with the settings every child of these tests shares; `DATABASE_URL` is removed
/// unless `database_url` is given, so the SQLite file in `data_dir` is used.
pub fn command(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_liaison"));
    command
        .current_dir(data_dir)
        .env_remove("LIAISON_CONFIG")
        .env("LIAISON_DATA_DIR", data_dir)
        .env("LIAISON_BIND", "127.0.0.1:0")
        .env("LIAISON_JWT_SECRET", SECRET)
        .env("LIAISON_ARGON2_MEMORY_KIB", "64")
        .env("LIAISON_RUN_JOBS", "false")
        .env("LIAISON_WORKERS", "2")
        // Bursts from one address to one code are the point of these tests.
        .env("LIAISON_SUBMIT_RATE_PER_MINUTE", "0")
        .env("LIAISON_SUBMIT_RATE_PER_CODE_PER_MINUTE", "0")
        .env("RUST_LOG", "warn");
    crate::helpers::with_test_keys(&mut command);
    match database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    command
}

/// Runs a one-shot command (`backup`, `restore`, `admin create`…) to its end.
pub fn run(data_dir: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    command(data_dir, database_url).args(args).stdin(Stdio::null()).output().expect("the liaison binary runs")
}

pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `liaison serve`, listening on a port of its own choosing.
pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    pub fn start(data_dir: &Path, database_url: Option<&str>) -> Server {
        let mut child = command(data_dir, database_url)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the liaison binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = mpsc::channel();
        // Reads the address from the first line, then keeps draining so the server never
        // writes into a closed pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("liaison is listening on ") {
                    let _ = sender.send(rest.split_whitespace().next().unwrap_or_default().to_string());
                }
            }
        });
        let address = match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!("liaison did not start listening within a minute: {:?}", child.wait());
            }
        };
        Server { child, address }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// SIGKILL: no shutdown hook, no flush, no checkpoint.
    pub fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A small JPEG whose pixels depend on `seed`, so each one is a different photo.
pub fn jpeg(seed: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, (seed.wrapping_mul(2_654_435_761) >> ((x + y) % 24)) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).expect("encode a JPEG");
    out.into_inner()
}

/// The multipart form a resident's phone posts to `/d/{qr_token}`.
pub fn form(category_id: i64, content: &str, photo: Option<Vec<u8>>) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new()
        .text("form_key", uuid::Uuid::new_v4().simple().to_string())
        .text("category_id", category_id.to_string())
        .text("content", content.to_string())
        .text("location", "幸福小区东门")
        .text("contact_phone", "13812345678")
        .text("consent", "1");
    if let Some(bytes) = photo {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("photo.jpg").mime_str("image/jpeg").expect("mime");
        form = form.part("photos", part);
    }
    form
}

/// The tracking code out of the form's `303 See Other` to `/t/{code}`.
pub fn code_from_redirect(response: &reqwest::Response) -> Option<String> {
    let location = response.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
    Some(location.strip_prefix("/t/")?.split('?').next()?.to_string())
}
