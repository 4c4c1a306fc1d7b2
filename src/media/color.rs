//! The picture a master carries (SDR, PQ or HLG; BT.709 or a wider gamut; 8 bits or more)
//! and the one zscale/tonemap chain that brings it to 8-bit 4:2:0 SDR BT.709, dithered, for
//! every rung, the poster and the sprite.

use super::probe::VideoInfo;
use crate::config::HdrTonemap;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// BT.2408: HDR reference white is 203 cd/m², which SDR shows as its own white. Linearising
/// with this nominal peak lands HDR mid-grey near SDR mid-grey.
const NOMINAL_PEAK: u32 = 203;
/// Primaries, transfers and matrices zscale is told about explicitly (ffprobe's names).
const PRIMARIES: [&str; 5] = ["bt709", "bt2020", "smpte432", "smpte431", "smpte170m"];
const TRANSFERS: [&str; 7] = [
    "bt709",
    "smpte2084",
    "arib-std-b67",
    "bt2020-10",
    "bt2020-12",
    "iec61966-2-1",
    "smpte170m",
];
const MATRICES: [&str; 5] = ["bt709", "bt2020nc", "bt2020c", "smpte170m", "bt470bg"];

/// A master's transfer characteristic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transfer {
    Sdr,
    /// SMPTE ST 2084 (HDR10, Dolby Vision 8.1's base layer).
    Pq,
    /// ARIB STD-B67 hybrid log-gamma (broadcast, phones, Dolby Vision 8.4's base layer).
    Hlg,
}

impl Transfer {
    pub fn of(v: &VideoInfo) -> Self {
        match v.color_transfer.as_deref() {
            Some("smpte2084") => Transfer::Pq,
            Some("arib-std-b67") => Transfer::Hlg,
            _ => Transfer::Sdr,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Transfer::Sdr => "SDR",
            Transfer::Pq => "PQ",
            Transfer::Hlg => "HLG",
        }
    }
}

/// What the preview manifest records about the picture conversion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColorRecord {
    /// The master's transfer.
    pub source: Transfer,
    /// The tone-mapping operator, `off`, or none for an SDR master.
    pub tonemap: Option<String>,
    /// The colour the rungs are tagged with: `bt709`, or `source` when left as the master's.
    pub output: String,
    /// Reduced to 8 bits with error diffusion rather than truncated.
    pub dithered: bool,
}

/// How one master's picture is converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColorPlan {
    pub transfer: Transfer,
    /// The operator for an HDR master (`Off` leaves it HDR).
    pub tonemap: HdrTonemap,
    /// Primaries wider than BT.709 (BT.2020, Display P3) on an SDR master.
    pub wide_gamut: bool,
    /// More than 8 bits or more chroma than 4:2:0: dithered down.
    pub high_depth: bool,
    /// Dolby Vision profile, previewed through its HDR10/HLG base layer.
    pub dolby_vision: Option<u32>,
    /// zscale's input transfer and primaries from the probe (`tin=smpte2084:pin=bt2020:`),
    /// for frames whose own tags are missing.
    curve: String,
    /// zscale's input matrix and range from the probe (`min=bt2020nc:rin=tv:`).
    matrix: String,
    /// The tone mapping sampled into a 3D LUT (`tonemap_lut`), applied instead of the float
    /// `tonemap` filter once prepared.
    lut: Option<PathBuf>,
}

impl ColorPlan {
    pub fn new(v: &VideoInfo, tonemap: HdrTonemap) -> Self {
        let transfer = Transfer::of(v);
        let wide_gamut = matches!(
            v.color_primaries.as_deref(),
            Some("bt2020" | "smpte432" | "smpte431")
        );
        let pix = v.pix_fmt.as_deref().unwrap_or("yuv420p");
        let high_depth = v.bit_depth.unwrap_or(8) > 8
            || !(pix.starts_with("yuv420p") || pix.starts_with("yuvj420p") || pix == "nv12");
        let known = |v: &Option<String>, list: &[&str]| {
            v.as_deref()
                .filter(|x| list.contains(x))
                .map(str::to_string)
        };
        let options = |pairs: [(&str, Option<String>); 2]| -> String {
            pairs
                .into_iter()
                .filter_map(|(key, val)| Some(format!("{key}={}:", val?)))
                .collect()
        };
        let curve = options([
            ("tin", known(&v.color_transfer, &TRANSFERS)),
            ("pin", known(&v.color_primaries, &PRIMARIES)),
        ]);
        let matrix = options([
            ("min", known(&v.color_space, &MATRICES)),
            ("rin", known(&v.color_range, &["tv", "pc"])),
        ]);
        Self {
            transfer,
            tonemap,
            wide_gamut,
            high_depth,
            dolby_vision: v.dolby_vision_profile,
            curve,
            matrix,
            lut: None,
        }
    }

    pub(crate) fn maps_hdr(&self) -> bool {
        self.transfer != Transfer::Sdr && self.tonemap != HdrTonemap::Off
    }

    /// Whether the rungs are re-tagged BT.709 (the picture was converted to it).
    pub fn to_bt709(&self) -> bool {
        self.maps_hdr() || (self.transfer == Transfer::Sdr && self.wide_gamut)
    }

    /// The filters (ending in `,`) that bring decoded frames to 8-bit 4:2:0 at `w`x`h`, or
    /// nothing for an 8-bit 4:2:0 BT.709 master (the rungs' own scaling is enough).
    pub fn chain(&self, (w, h): (u32, u32)) -> String {
        let size = format!("zscale=w={w}:h={h}:f=bicubic");
        let out8 = "d=error_diffusion,format=yuv420p,";
        let (curve, matrix) = (&self.curve, &self.matrix);
        if let (true, Some(lut), Some(keep)) = (self.maps_hdr(), &self.lut, self.keep_curve()) {
            // The LUT takes the master's own RGB (16-bit, full range) and gives linear BT.709
            // light, tone-mapped; zscale then encodes it: interpolating linear light keeps
            // colours near the gamut's edge, where gamma-coded values change steeply.
            let lut = lut.display();
            format!(
                "{size}:{curve}{matrix}{keep}r=pc,format=gbrp16le,lut3d=file={lut},\
                 zscale=tin=linear:pin=bt709:rin=pc:t=bt709:p=bt709:m=bt709:r=tv:{out8}"
            )
        } else if self.maps_hdr() {
            // One zscale resizes, linearises and converts the primaries (a float pass fewer
            // than a separate `zscale=p=bt709`).
            format!(
                "{size}:{curve}{matrix}{},zscale=t=bt709:m=bt709:r=tv:{out8}",
                self.tone_mapping()
            )
        } else if self.transfer == Transfer::Sdr && self.wide_gamut {
            format!("{size}:{curve}{matrix}p=bt709:t=bt709:m=bt709:r=tv:{out8}")
        } else if self.high_depth || self.transfer != Transfer::Sdr {
            format!("{size}:{out8}")
        } else {
            String::new()
        }
    }

    /// The tone mapping itself, continuing a zscale whose input is the master's picture:
    /// linear light with BT.2408's reference white at 1.0, BT.709 primaries, in float, then
    /// the operator on each pixel's brightest channel (desat=0 keeps highlights' colour).
    fn tone_mapping(&self) -> String {
        format!(
            "t=linear:npl={NOMINAL_PEAK}:p=bt709,format=gbrpf32le,tonemap=tonemap={}:desat=0",
            self.tonemap.as_str()
        )
    }

    /// The filter that takes full-range RGB in the master's transfer and primaries (the
    /// LUT's input) to tone-mapped linear BT.709 light (its output), for sampling the LUT;
    /// none when the probe left either unknown or nothing is tone-mapped.
    pub(crate) fn lut_source(&self) -> Option<String> {
        self.keep_curve()?;
        self.maps_hdr().then(|| {
            format!(
                "zscale={}min=gbr:rin=pc:{}",
                self.curve,
                self.tone_mapping()
            )
        })
    }

    /// `t=..:p=..:` repeating the master's transfer and primaries (zscale converts RGB
    /// without changing them only when told both ends), when the probe knew both.
    fn keep_curve(&self) -> Option<String> {
        let value = |key: &str| {
            self.curve
                .split(':')
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        };
        Some(format!("t={}:p={}:", value("tin")?, value("pin")?))
    }

    /// Uses the LUT at `path` (made by `tonemap_lut` from `lut_source`) for the tone mapping.
    pub fn use_lut(&mut self, path: &Path) {
        self.lut = Some(path.to_path_buf());
    }

    /// Encoder options tagging converted rungs as BT.709.
    pub fn output_args(&self) -> Vec<String> {
        if !self.to_bt709() {
            return vec![];
        }
        [
            "-color_primaries:v",
            "bt709",
            "-color_trc:v",
            "bt709",
            "-colorspace:v",
            "bt709",
            "-color_range:v",
            "tv",
        ]
        .map(String::from)
        .to_vec()
    }

    pub fn record(&self) -> ColorRecord {
        ColorRecord {
            source: self.transfer,
            tonemap: (self.transfer != Transfer::Sdr).then(|| self.tonemap.as_str().to_string()),
            output: if self.to_bt709() { "bt709" } else { "source" }.into(),
            dithered: !self.chain((2, 2)).is_empty(),
        }
    }
}

/// What the asset page says about a master's picture: `HDR (PQ), previewed as SDR`, from
/// `record`, how its preview was made (without one, only what the master is).
pub fn label(v: &VideoInfo, record: Option<&ColorRecord>) -> Option<String> {
    let transfer = Transfer::of(v);
    let dv = v
        .dolby_vision_profile
        .map(|p| format!("Dolby Vision profile {p}, "))
        .unwrap_or_default();
    match transfer {
        Transfer::Sdr => matches!(
            v.color_primaries.as_deref(),
            Some("bt2020" | "smpte432" | "smpte431")
        )
        .then(|| {
            let gamut = match v.color_primaries.as_deref() {
                Some("bt2020") => "BT.2020",
                _ => "Display P3",
            };
            format!("Wide gamut ({gamut}), previewed as BT.709")
        }),
        t => Some(match record.map(|r| r.output == "bt709") {
            Some(true) => format!("HDR ({dv}{}), previewed as SDR", t.name()),
            Some(false) => format!("HDR ({dv}{}), previewed without tone mapping", t.name()),
            None => format!("HDR ({dv}{})", t.name()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(trc: &str, prim: &str, pix: &str) -> VideoInfo {
        let json = serde_json::json!({
            "codec": "hevc", "profile": null, "width": 64, "height": 64, "sample_aspect": [1, 1],
            "display_width": 64, "display_height": 64, "rotation": 0, "r_frame_rate": "25/1",
            "avg_frame_rate": "25/1", "frame_rate": 25.0, "vfr": false, "pix_fmt": pix,
            "bit_depth": if pix.contains("10") { 10 } else { 8 }, "color_primaries": prim,
            "color_transfer": trc, "color_space": "bt2020nc", "color_range": "tv"
        });
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn hdr_is_tone_mapped_and_tagged_bt709_unless_off() {
        let v = video("smpte2084", "bt2020", "yuv420p10le");
        let p = ColorPlan::new(&v, HdrTonemap::Mobius);
        let chain = p.chain((64, 36));
        assert!(chain.contains("tin=smpte2084:pin=bt2020:"), "{chain}");
        assert!(chain.contains("tonemap=tonemap=mobius"), "{chain}");
        // With its LUT, the same mapping without the float tonemap pass.
        let mut lut = p.clone();
        lut.use_lut(Path::new("/work/t.cube"));
        let fast = lut.chain((64, 36));
        assert!(
            fast.contains("t=smpte2084:p=bt2020:r=pc,format=gbrp16le,lut3d=file=/work/t.cube,"),
            "{fast}"
        );
        assert!(
            !fast.contains("tonemap=") && fast.ends_with("format=yuv420p,"),
            "{fast}"
        );
        assert!(
            p.lut_source()
                .unwrap()
                .contains("min=gbr:rin=pc:t=linear:npl=203")
        );
        assert!(p.output_args().contains(&"bt709".to_string()));
        assert_eq!(p.record().tonemap.as_deref(), Some("mobius"));
        assert_eq!(
            label(&v, Some(&p.record())).as_deref(),
            Some("HDR (PQ), previewed as SDR")
        );
        let off = ColorPlan::new(&v, HdrTonemap::Off);
        assert!(!off.chain((64, 36)).contains("tonemap"));
        assert!(off.output_args().is_empty());
        assert_eq!(off.record().output, "source");
    }

    #[test]
    fn wide_gamut_sdr_converts_and_plain_8_bit_is_left_alone() {
        let p3 = ColorPlan::new(
            &video("iec61966-2-1", "smpte432", "yuv420p"),
            HdrTonemap::Mobius,
        );
        assert!(p3.chain((64, 36)).contains("p=bt709"));
        assert!(p3.to_bt709());
        let plain = ColorPlan::new(&video("bt709", "bt709", "yuv420p"), HdrTonemap::Mobius);
        assert_eq!(plain.chain((64, 36)), "");
        let prores = ColorPlan::new(&video("bt709", "bt709", "yuv422p10le"), HdrTonemap::Off);
        assert!(prores.chain((64, 36)).contains("error_diffusion"));
        assert!(!prores.to_bt709());
    }
}
