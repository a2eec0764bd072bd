using RotationTroubleshooter.Bundles;

namespace RotationTroubleshooter.Tests.Bundles;

[Collection(NativeFixturesCollection.Name)]
public sealed class ElfAnalyzerTests(NativeFixtures fixtures)
{
    private static ElfFacts Facts(byte[] bytes)
    {
        var result = ElfAnalyzer.Analyze(bytes);
        Assert.True(result.Facts is not null, result.Problem);
        return result.Facts!;
    }

    [Fact]
    public void Enable_new_dtags_gives_a_runpath_and_disable_gives_an_rpath()
    {
        var runPath = Facts(File.ReadAllBytes(fixtures.Libpq94RunPath));
        var rPath = Facts(File.ReadAllBytes(fixtures.Libpq94RPath));

        Assert.Equal(NativeFixtures.AwsRunPath94, runPath.RunPath);
        Assert.Null(runPath.RPath);
        Assert.Equal(NativeFixtures.AwsRunPath94, rPath.RPath);
        Assert.Null(rPath.RunPath);
        Assert.Equal("libpq.so.5", runPath.Soname);
    }

    [Fact]
    public void Exported_symbols_show_PQencryptPasswordConn_only_in_libpq_10()
    {
        var old = Facts(File.ReadAllBytes(fixtures.Libpq94RunPath));
        var current = Facts(File.ReadAllBytes(fixtures.Libpq10RunPath));

        Assert.Contains("PQconnectdb", old.ExportedSymbols);
        Assert.DoesNotContain("PQencryptPasswordConn", old.ExportedSymbols);
        Assert.Contains("PQencryptPasswordConn", current.ExportedSymbols);
        Assert.True(old.HasPre10ScramMessage);
        Assert.False(current.HasPre10ScramMessage);
    }

    [Fact]
    public void Module_lists_libpq_as_needed_and_does_not_export_what_it_imports()
    {
        var module = Facts(File.ReadAllBytes(fixtures.PyGreSqlAgainst94));

        Assert.Contains("libpq.so.5", module.Needed);
        Assert.Contains("PyInit__pg", module.ExportedSymbols);
        Assert.DoesNotContain("PQconnectdb", module.ExportedSymbols);
    }

    [Fact]
    public void Real_libpq_15_has_no_runpath_and_exports_the_libpq_10_and_14_symbols()
    {
        var real = Facts(File.ReadAllBytes(NativeFixtures.RealLibpqPath));

        Assert.Null(real.EffectiveSearchPath);
        Assert.Equal("libpq.so.5", real.Soname);
        Assert.Contains("PQencryptPasswordConn", real.ExportedSymbols);
        Assert.Contains("PQenterPipelineMode", real.ExportedSymbols);
        Assert.DoesNotContain("PQconnectionUsedGSSAPI", real.ExportedSymbols);
        Assert.StartsWith("ELF 64-bit little-endian shared object", real.Description);
    }

    [Fact]
    public void Reads_a_32_bit_library()
    {
        var facts = Facts(File.ReadAllBytes(fixtures.Libpq14ThirtyTwoBit));

        Assert.StartsWith("ELF 32-bit little-endian shared object", facts.Description);
        Assert.Equal("/opt/PostgreSQL-14.2/lib", facts.RunPath);
        Assert.Contains("PQenterPipelineMode", facts.ExportedSymbols);
    }

    [Fact]
    public void Reads_a_big_endian_library()
    {
        var bytes = BigEndianElf.SharedObject("libpq.so.5", "/build/PostgreSQL-9.4.x/lib", "PQconnectdb", "PQfinish");

        var facts = Facts(bytes);

        Assert.StartsWith("ELF 32-bit big-endian shared object", facts.Description);
        Assert.Equal("/build/PostgreSQL-9.4.x/lib", facts.RunPath);
        Assert.Equal("libpq.so.5", facts.Soname);
        Assert.Equal(["PQconnectdb", "PQfinish"], facts.ExportedSymbols.Order());
    }

    [Theory]
    [InlineData(30, "shorter than its 64-byte ELF header")]
    [InlineData(6000, "is truncated")]
    public void Truncated_file_is_reported_not_thrown(int keep, string expected)
    {
        var bytes = File.ReadAllBytes(NativeFixtures.RealLibpqPath)[..keep];

        var result = ElfAnalyzer.Analyze(bytes);

        Assert.Null(result.Facts);
        Assert.Contains(expected, result.Problem);
    }

    [Fact]
    public void Non_elf_file_is_reported()
    {
        var result = ElfAnalyzer.Analyze("#!/bin/sh\necho not a library\n"u8.ToArray());

        Assert.Equal("is not an ELF file (no \\x7fELF magic)", result.Problem);
    }

    [Fact]
    public void File_without_section_headers_is_reported()
    {
        var bytes = File.ReadAllBytes(fixtures.Libpq10RunPath);
        bytes.AsSpan(0x28, 8).Clear(); // e_shoff = 0, as sstrip leaves it

        var result = ElfAnalyzer.Analyze(bytes);

        Assert.Contains("no section headers", result.Problem);
    }

    [Fact]
    public void Section_claiming_more_bytes_than_the_file_has_is_reported_before_ELFSharp_allocates_it()
    {
        var bytes = BigEndianElf.SharedObject("libpq.so.5", null, "PQconnectdb");
        var sectionHeaders = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(32));
        // .dynstr (section 1) claims 2 GB.
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(sectionHeaders + 40 + 20), 0x7FFF_0000);

        var result = ElfAnalyzer.Analyze(bytes);

        Assert.Contains("section 1 spans bytes", result.Problem);
    }
}
