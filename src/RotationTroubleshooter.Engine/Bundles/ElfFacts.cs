using System.Buffers.Binary;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Bundles;

/// <summary>What the dynamic section, dynamic symbol table and strings of one ELF file say.</summary>
internal sealed class ElfFacts
{
    public required string Description { get; init; }
    public string? Soname { get; init; }
    public IReadOnlyList<string> Needed { get; init; } = [];
    public string? RunPath { get; init; }
    public string? RPath { get; init; }
    /// <summary>Defined, default-visibility global or weak symbols of .dynsym.</summary>
    public IReadOnlySet<string> ExportedSymbols { get; init; } = new HashSet<string>();
    /// <summary>libpq 9.x (updated minor releases) carry this message for servers asking for SCRAM.</summary>
    public bool HasPre10ScramMessage { get; init; }
    /// <summary>The SCRAM client of libpq 10 and later names its mechanism.</summary>
    public bool HasScramMechanismName { get; init; }
    /// <summary>libpq's connection option environment variables, present wherever libpq's code is.</summary>
    public bool HasLibpqConnectionOptions { get; init; }

    /// <summary>The CPU the file is built for: x86_64 or arm64 in Lambda's words (e_machine), else ELFSharp's name for it.</summary>
    public string Machine { get; init; } = "";
    public bool Is64Bit { get; init; }
    /// <summary>The newest GLIBC_2.x symbol version the file needs (its .dynstr); null when it names none.</summary>
    public Version? RequiredGlibc { get; init; }
    /// <summary>OpenSSL's code is compiled in (its version banner, e.g. "OpenSSL 1.1.1k  25 Mar 2021").</summary>
    public bool CarriesOpenSsl { get; init; }

    /// <summary>RUNPATH if set, else RPATH.</summary>
    public string? EffectiveSearchPath => RunPath ?? RPath;
}

/// <summary>Result of reading a file as ELF: facts, or the reason it could not be read.</summary>
internal sealed record ElfReadResult(ElfFacts? Facts, string? Problem)
{
    public static ElfReadResult Failed(string problem) => new(null, problem);
}

internal static class ElfAnalyzer
{
    private static ReadOnlySpan<byte> Pre10ScramMessage => "SCRAM authentication requires libpq version 10 or above"u8;
    private static ReadOnlySpan<byte> ScramMechanismName => "SCRAM-SHA-256\0"u8;
    private static ReadOnlySpan<byte> LibpqSslModeVariable => "PGSSLMODE\0"u8;
    private static ReadOnlySpan<byte> OpenSslBanner => "OpenSSL "u8;

    public static ElfReadResult Analyze(byte[] bytes)
    {
        var layoutProblem = CheckLayout(bytes);
        if (layoutProblem is not null)
            return ElfReadResult.Failed(layoutProblem);

        try
        {
            using var elf = ELFReader.Load(new MemoryStream(bytes, writable: false), shouldOwnStream: true);
            var strings = elf.TryGetSection(".dynstr", out var dynstr) ? dynstr as IStringTable : null;
            string? soname = null, runPath = null, rPath = null;
            var needed = new List<string>();
            foreach (var dynamic in elf.GetSections<IDynamicSection>())
            {
                foreach (var entry in dynamic.Entries)
                {
                    if (entry.Tag is not (DynamicTag.Needed or DynamicTag.SoName or DynamicTag.RunPath or DynamicTag.RPath))
                        continue;
                    if (strings is null)
                        return ElfReadResult.Failed("has a dynamic section but no .dynstr string table to read it with");
                    // Names and search paths come from the file: control characters in them become visible.
                    var text = UntrustedText.Line(strings[(long)ValueOf(entry)]);
                    switch (entry.Tag)
                    {
                        case DynamicTag.Needed: needed.Add(text); break;
                        case DynamicTag.SoName: soname = text; break;
                        case DynamicTag.RunPath: runPath = text; break;
                        case DynamicTag.RPath: rPath = text; break;
                    }
                }
            }

            var exported = new HashSet<string>(StringComparer.Ordinal);
            foreach (var table in elf.GetSections<ISymbolTable>().Where(t => t.Type == SectionType.DynamicSymbolTable))
            {
                foreach (var symbol in table.Entries)
                {
                    var defined = symbol.PointedSectionIndex != 0; // SHN_UNDEF: imported, not exported
                    if (defined && symbol.Binding is (SymbolBinding.Global or SymbolBinding.Weak)
                        && symbol.Visibility is (SymbolVisibility.Default or SymbolVisibility.Protected)
                        && !string.IsNullOrEmpty(symbol.Name))
                        exported.Add(symbol.Name);
                }
            }

            var span = bytes.AsSpan();
            var machine = MachineName(elf.Machine);
            return new ElfReadResult(new ElfFacts
            {
                Description = $"ELF {(elf.Class == Class.Bit32 ? "32" : "64")}-bit {(elf.Endianess == ELFSharp.Endianess.LittleEndian ? "little" : "big")}-endian {DescribeType(elf.Type)}, machine {machine}",
                Machine = machine,
                Is64Bit = elf.Class == Class.Bit64,
                RequiredGlibc = strings is null ? null : NewestGlibc(strings.Strings),
                CarriesOpenSsl = HasOpenSslBanner(span),
                Soname = soname,
                Needed = needed,
                RunPath = runPath,
                RPath = rPath,
                ExportedSymbols = exported,
                HasPre10ScramMessage = span.IndexOf(Pre10ScramMessage) >= 0,
                HasScramMechanismName = span.IndexOf(ScramMechanismName) >= 0,
                HasLibpqConnectionOptions = span.IndexOf(LibpqSslModeVariable) >= 0,
            }, null);
        }
        // ELFSharp reports malformed input through many exception types (EndOfStream, ArgumentOutOfRange, InvalidOperation, ...).
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ElfReadResult.Failed($"is a malformed ELF file ({ex.GetType().Name}: {UntrustedText.Line(ex.Message)})");
        }
    }

    /// <summary>Lambda's architecture names for the two machines it runs; others as ELFSharp names them.</summary>
    private static string MachineName(Machine machine) => machine switch
    {
        ELFSharp.ELF.Machine.AMD64 => "x86_64",
        ELFSharp.ELF.Machine.AArch64 => "arm64",
        _ => machine.ToString(),
    };

    /// <summary>GLIBC_2.N version names in .dynstr are the versions of glibc's symbols the file was linked against.</summary>
    private static Version? NewestGlibc(IEnumerable<string> strings)
    {
        Version? newest = null;
        foreach (var text in strings)
        {
            if (!text.StartsWith("GLIBC_", StringComparison.Ordinal) || !Version.TryParse(text.AsSpan(6), out var version)) continue;
            if (newest is null || version > newest) newest = version;
        }
        return newest;
    }

    /// <summary>"OpenSSL " followed by a version digit: OpenSSL_version()'s banner, present wherever libcrypto's code is.</summary>
    private static bool HasOpenSslBanner(ReadOnlySpan<byte> bytes)
    {
        for (var at = bytes.IndexOf(OpenSslBanner); at >= 0; )
        {
            var next = at + OpenSslBanner.Length;
            if (next < bytes.Length && bytes[next] is >= (byte)'1' and <= (byte)'9') return true;
            var rest = bytes[next..].IndexOf(OpenSslBanner);
            at = rest < 0 ? -1 : next + rest;
        }
        return false;
    }

    private static ulong ValueOf(IDynamicEntry entry) => entry switch
    {
        DynamicEntry<ulong> e => e.Value,
        DynamicEntry<uint> e => e.Value,
        _ => throw new InvalidOperationException("unexpected dynamic entry width"),
    };

    private static string DescribeType(FileType type) => type switch
    {
        FileType.SharedObject => "shared object",
        FileType.Executable => "executable",
        FileType.Relocatable => "relocatable object",
        _ => type.ToString(),
    };

    /// <summary>
    /// Checks the ELF header and that every section lies inside the file. Written here because ELFSharp trusts the
    /// header's sizes (it allocates what a section header claims) and reports truncation only as a bare exception.
    /// </summary>
    internal static string? CheckLayout(ReadOnlySpan<byte> b)
    {
        if (b.Length < 4 || b[0] != 0x7F || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            return "is not an ELF file (no \\x7fELF magic)";
        if (b.Length < 16)
            return $"is truncated: {b.Length} bytes, shorter than an ELF identification block";
        var is64 = b[4] switch { 1 => false, 2 => true, _ => (bool?)null };
        var bigEndian = b[5] switch { 1 => false, 2 => true, _ => (bool?)null };
        if (is64 is null)
            return $"has an unknown ELF class {b[4]}";
        if (bigEndian is null)
            return $"has an unknown ELF byte order {b[5]}";

        var headerSize = is64.Value ? 64 : 52;
        if (b.Length < headerSize)
            return $"is truncated: {b.Length} bytes, shorter than its {headerSize}-byte ELF header";

        ulong shoff = is64.Value ? U64(b, 0x28, bigEndian.Value) : U32(b, 0x20, bigEndian.Value);
        int shentsize = U16(b, is64.Value ? 0x3A : 0x2E, bigEndian.Value);
        int shnum = U16(b, is64.Value ? 0x3C : 0x30, bigEndian.Value);
        if (shoff == 0 || shnum == 0)
            return "has no section headers (stripped with a tool like sstrip), so its dynamic section cannot be read";
        var minimumEntrySize = is64.Value ? 64 : 40;
        if (shentsize < minimumEntrySize)
            return $"has a section header size of {shentsize} bytes, below the {minimumEntrySize} the format needs";
        var tableEnd = shoff + (ulong)shentsize * (ulong)shnum;
        if (tableEnd > (ulong)b.Length)
            return $"is truncated: its section header table ends at byte {tableEnd} but the file has {b.Length} bytes";

        for (var i = 0; i < shnum; i++)
        {
            var h = b.Slice((int)shoff + i * shentsize, shentsize);
            var type = U32(h, 4, bigEndian.Value);
            if (type is 0 or 8) // SHT_NULL, SHT_NOBITS occupy no file bytes
                continue;
            ulong offset = is64.Value ? U64(h, 0x18, bigEndian.Value) : U32(h, 0x10, bigEndian.Value);
            ulong size = is64.Value ? U64(h, 0x20, bigEndian.Value) : U32(h, 0x14, bigEndian.Value);
            if (offset > (ulong)b.Length || size > (ulong)b.Length - offset)
                return $"is truncated: section {i} spans bytes {offset}..{offset + size} but the file has {b.Length} bytes";
        }
        return null;
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b[at..]) : BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, int at, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);

    private static ulong U64(ReadOnlySpan<byte> b, int at, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b[at..]) : BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);
}
