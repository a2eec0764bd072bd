using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace RotationTroubleshooter.Tests.Bundles;

/// <summary>Builds Lambda-style deployment zips (and unpacked folders) from files and symbolic links.</summary>
internal sealed class BundleBuilder
{
    private readonly List<(string Path, byte[] Data, bool Symlink)> _entries = [];

    public BundleBuilder File(string path, byte[] data) { _entries.Add((path, data, false)); return this; }
    public BundleBuilder File(string path, string text) => File(path, Encoding.UTF8.GetBytes(text));
    public BundleBuilder CopyOf(string path, string fileOnDisk) => File(path, System.IO.File.ReadAllBytes(fileOnDisk));
    /// <summary>A zip entry marked as a unix symbolic link (mode 0120777); its data is the link target.</summary>
    public BundleBuilder Symlink(string path, string target) { _entries.Add((path, Encoding.UTF8.GetBytes(target), true)); return this; }

    public byte[] Zip(CompressionLevel level = CompressionLevel.Optimal)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, data, symlink) in _entries)
            {
                var entry = zip.CreateEntry(path, level);
                entry.ExternalAttributes = (symlink ? 0xA1FF : 0x81A4) << 16;
                using var stream = entry.Open();
                stream.Write(data);
            }
        }
        return buffer.ToArray();
    }

    public string WriteZip(string folder, string name = "function.zip")
    {
        var path = Path.Combine(folder, name);
        System.IO.File.WriteAllBytes(path, Zip());
        return path;
    }

    public string WriteFolder(string folder)
    {
        foreach (var (path, data, symlink) in _entries)
        {
            var target = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (symlink)
                System.IO.File.CreateSymbolicLink(target, Encoding.UTF8.GetString(data));
            else
                System.IO.File.WriteAllBytes(target, data);
        }
        return folder;
    }

    public static string Text(LibpqReport report) => string.Join('\n', report.Evidence);
}

/// <summary>
/// Writes a minimal 32-bit big-endian (PowerPC) ELF shared object: .dynstr, .dynsym, .dynamic, .shstrtab. gcc here
/// targets only x86, so a big-endian fixture has to be written by hand.
/// </summary>
internal static class BigEndianElf
{
    public static byte[] SharedObject(string soname, string? runPath, params string[] exportedFunctions)
    {
        var dynstr = new MemoryStream();
        dynstr.WriteByte(0);
        int Add(string s) { var at = (int)dynstr.Position; dynstr.Write(Encoding.ASCII.GetBytes(s)); dynstr.WriteByte(0); return at; }
        var sonameAt = Add(soname);
        var runPathAt = runPath is null ? -1 : Add(runPath);
        var symbolNames = exportedFunctions.Select(Add).ToList();

        var dynsym = new byte[16 * (symbolNames.Count + 1)];
        for (var i = 0; i < symbolNames.Count; i++)
        {
            var entry = dynsym.AsSpan(16 * (i + 1), 16);
            BinaryPrimitives.WriteUInt32BigEndian(entry, (uint)symbolNames[i]);
            BinaryPrimitives.WriteUInt32BigEndian(entry[4..], 0x1000u + (uint)i * 16);
            BinaryPrimitives.WriteUInt32BigEndian(entry[8..], 16);
            entry[12] = 0x12; // STB_GLOBAL, STT_FUNC
            entry[13] = 0;    // STV_DEFAULT
            BinaryPrimitives.WriteUInt16BigEndian(entry[14..], 2); // defined in section 2
        }

        var dynamicEntries = new List<(uint Tag, uint Value)> { (14, (uint)sonameAt) };
        if (runPathAt >= 0)
            dynamicEntries.Add((29, (uint)runPathAt));
        dynamicEntries.Add((0, 0));
        var dynamic = new byte[8 * dynamicEntries.Count];
        for (var i = 0; i < dynamicEntries.Count; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(dynamic.AsSpan(8 * i), dynamicEntries[i].Tag);
            BinaryPrimitives.WriteUInt32BigEndian(dynamic.AsSpan(8 * i + 4), dynamicEntries[i].Value);
        }

        var shstrtab = Encoding.ASCII.GetBytes("\0.dynstr\0.dynsym\0.dynamic\0.shstrtab\0");
        var sections = new (int Name, uint Type, byte[] Data, uint Link, uint EntrySize)[]
        {
            (1, 3, dynstr.ToArray(), 0, 0),  // .dynstr  SHT_STRTAB
            (9, 11, dynsym, 1, 16),          // .dynsym  SHT_DYNSYM, names in section 1
            (17, 6, dynamic, 1, 8),          // .dynamic SHT_DYNAMIC, strings in section 1
            (26, 3, shstrtab, 0, 0),         // .shstrtab
        };

        using var file = new MemoryStream();
        file.Write(new byte[52]);
        var offsets = new List<uint>();
        foreach (var section in sections)
        {
            offsets.Add((uint)file.Position);
            file.Write(section.Data);
        }
        while (file.Position % 4 != 0) file.WriteByte(0);
        var sectionHeadersAt = (uint)file.Position;
        file.Write(new byte[40]); // SHT_NULL
        for (var i = 0; i < sections.Length; i++)
        {
            var h = new byte[40];
            BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(0), (uint)sections[i].Name);
            BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), sections[i].Type);
            BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), offsets[i]);
            BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(20), (uint)sections[i].Data.Length);
            BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(24), sections[i].Link);
            BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(32), 1);
            BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(36), sections[i].EntrySize);
            file.Write(h);
        }

        var bytes = file.ToArray();
        var header = bytes.AsSpan(0, 52);
        "\u007fELF"u8.CopyTo(header);
        header[4] = 1; // ELFCLASS32
        header[5] = 2; // ELFDATA2MSB
        header[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16BigEndian(header[16..], 3);   // ET_DYN
        BinaryPrimitives.WriteUInt16BigEndian(header[18..], 20);  // EM_PPC
        BinaryPrimitives.WriteUInt32BigEndian(header[20..], 1);
        BinaryPrimitives.WriteUInt32BigEndian(header[32..], sectionHeadersAt);
        BinaryPrimitives.WriteUInt16BigEndian(header[40..], 52);  // e_ehsize
        BinaryPrimitives.WriteUInt16BigEndian(header[46..], 40);  // e_shentsize
        BinaryPrimitives.WriteUInt16BigEndian(header[48..], (ushort)(sections.Length + 1));
        BinaryPrimitives.WriteUInt16BigEndian(header[50..], (ushort)sections.Length); // .shstrtab index
        return bytes;
    }
}
