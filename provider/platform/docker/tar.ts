// A minimal tar writer (ustar headers, PAX records for long names): the Engine API takes files as tar
// archives (uploads into containers; the e2e harness also sends build contexts this way).

export interface TarEntry {
    /** Path inside the archive ("dir/file", "dir/" for directories). */
    name: string;
    type: "file" | "dir" | "symlink";
    /** Permission bits (e.g. 0o644). */
    mode: number;
    data?: Buffer;
    linkname?: string;
    mtime?: Date;
    uid?: number;
    gid?: number;
}

const BLOCK = 512;

export function tar(entries: TarEntry[]): Buffer {
    const parts: Buffer[] = [];
    for (const entry of entries) {
        const data = entry.type === "file" ? (entry.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
        const pax: Record<string, string> = {};
        if (Buffer.byteLength(entry.name) > 100 || !isAscii(entry.name)) pax.path = entry.name;
        if (entry.linkname !== undefined && (Buffer.byteLength(entry.linkname) > 100 || !isAscii(entry.linkname))) pax.linkpath = entry.linkname;
        if (Object.keys(pax).length) {
            const body = Buffer.from(Object.entries(pax).map(([k, v]) => paxRecord(k, v)).join(""));
            parts.push(header({ name: "PaxHeader", type: "x", mode: 0o644, size: body.length }), pad(body));
        }
        parts.push(header({
            name: entry.name,
            type: entry.type === "file" ? "0" : entry.type === "dir" ? "5" : "2",
            mode: entry.mode,
            size: data.length,
            linkname: entry.linkname,
            mtime: entry.mtime,
            uid: entry.uid,
            gid: entry.gid,
        }));
        if (data.length) parts.push(pad(data));
    }
    parts.push(Buffer.alloc(BLOCK * 2));
    return Buffer.concat(parts);
}

function header(h: { name: string; type: string; mode: number; size: number; linkname?: string; mtime?: Date; uid?: number; gid?: number }): Buffer {
    const b = Buffer.alloc(BLOCK);
    writeString(b, 0, 100, truncate(h.name, 100));
    writeOctal(b, 100, 8, h.mode & 0o7777);
    writeOctal(b, 108, 8, h.uid ?? 0);
    writeOctal(b, 116, 8, h.gid ?? 0);
    writeOctal(b, 124, 12, h.size);
    writeOctal(b, 136, 12, Math.floor((h.mtime ?? new Date(0)).getTime() / 1000));
    b.fill(0x20, 148, 156); // checksum placeholder: spaces
    b.write(h.type, 156, 1, "latin1");
    if (h.linkname) writeString(b, 157, 100, truncate(h.linkname, 100));
    b.write("ustar\u000000", 257, 8, "latin1");
    let sum = 0;
    for (const byte of b) sum += byte;
    b.write(sum.toString(8).padStart(6, "0") + "\u0000 ", 148, 8, "latin1");
    return b;
}

function paxRecord(key: string, value: string): string {
    const rest = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(rest) + 1;
    while (String(length).length + Buffer.byteLength(rest) !== length) length = String(length).length + Buffer.byteLength(rest);
    return `${length}${rest}`;
}

function pad(data: Buffer): Buffer {
    const rest = data.length % BLOCK;
    return rest ? Buffer.concat([data, Buffer.alloc(BLOCK - rest)]) : data;
}

function writeString(b: Buffer, offset: number, length: number, value: string): void {
    Buffer.from(value).copy(b, offset, 0, length);
}

function writeOctal(b: Buffer, offset: number, length: number, value: number): void {
    b.write(value.toString(8).padStart(length - 1, "0") + "\u0000", offset, length, "latin1");
}

function truncate(value: string, bytes: number): string {
    const buf = Buffer.from(value);
    return buf.length <= bytes ? value : buf.subarray(0, bytes).toString();
}

function isAscii(value: string): boolean {
    return /^[\x20-\x7e]*$/.test(value);
}
