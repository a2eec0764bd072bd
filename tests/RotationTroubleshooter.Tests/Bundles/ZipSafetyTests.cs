using System.Buffers.Binary;
using System.IO.Compression;
using RotationTroubleshooter.Bundles;

namespace RotationTroubleshooter.Tests.Bundles;

[Collection(NativeFixturesCollection.Name)]
public sealed class ZipSafetyTests(NativeFixtures fixtures)
{
    private static IReadOnlyList<LibpqReport> Inspect(byte[] zip, ZipLimits? limits = null)
    {
        using var stream = new MemoryStream(zip);
        return LibpqInspector.InspectZip(stream, "fn", limits);
    }

    [Fact]
    public void Garbage_is_a_corrupt_bundle_error()
    {
        var error = Assert.Throws<BundleReadException>(() => Inspect("this is not a zip file at all"u8.ToArray()));

        Assert.Equal(BundleErrorKind.Corrupt, error.Kind);
        Assert.StartsWith("fn: is not a readable zip file", error.Message);
    }

    [Fact]
    public void Truncated_zip_file_on_disk_is_a_corrupt_bundle_error()
    {
        var whole = new BundleBuilder().CopyOf("lib/libpq.so.5", fixtures.Libpq10RunPath).Zip();
        var path = Path.Combine(fixtures.NewTempFolder(), "cut.zip");
        File.WriteAllBytes(path, whole[..(whole.Length / 2)]);

        var error = Assert.Throws<BundleReadException>(() => LibpqInspector.InspectPath(path));

        Assert.Equal(BundleErrorKind.Corrupt, error.Kind);
    }

    [Fact]
    public void File_named_zip_that_is_not_a_zip_is_a_corrupt_bundle_error()
    {
        var path = Path.Combine(fixtures.NewTempFolder(), "function.zip");
        File.WriteAllText(path, "<Error><Code>AccessDenied</Code></Error>");

        var error = Assert.Throws<BundleReadException>(() => LibpqInspector.InspectPath(path, "rotator"));

        Assert.Equal(BundleErrorKind.Corrupt, error.Kind);
        Assert.Equal("rotator", error.BundleSource);
    }

    [Fact]
    public void Entry_with_corrupt_data_is_reported_on_its_library()
    {
        var zip = new BundleBuilder().CopyOf("lib/libpq.so.5", fixtures.Libpq10RunPath).Zip();
        // Damage the deflated data of the only entry (it starts after the 30-byte local header and the name).
        var dataStart = 30 + "lib/libpq.so.5".Length;
        for (var i = dataStart + 10; i < dataStart + 200; i++)
            zip[i] ^= 0x5A;

        var report = Assert.Single(Inspect(zip));

        Assert.Equal("lib/libpq.so.5", report.Path);
        Assert.Null(report.SupportsScramSha256);
        Assert.Contains("lib/libpq.so.5 could not be unzipped", BundleBuilder.Text(report));
    }

    [Fact]
    public void Highly_compressed_libpq_entry_is_not_decompressed()
    {
        var bomb = new BundleBuilder().File("lib/libpq.so.5", new byte[8 * 1024 * 1024]).Zip(CompressionLevel.SmallestSize);

        var report = Assert.Single(Inspect(bomb));

        Assert.Null(report.SupportsScramSha256);
        Assert.Contains("compression ratio allowed (a zip bomb?)", BundleBuilder.Text(report));
    }

    [Fact]
    public void Entry_lying_about_its_size_yields_at_most_the_declared_bytes()
    {
        var zip = new BundleBuilder().File("lib/libpq.so.5", new byte[5 * 1024 * 1024]).Zip(CompressionLevel.SmallestSize);
        // Declare 1,000 bytes in both the local header (offset 22) and the central directory entry (offset 24).
        BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(22), 1000);
        var central = zip.AsSpan().LastIndexOf("PK\u0001\u0002"u8);
        BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(central + 24), 1000);

        var report = Assert.Single(Inspect(zip));

        Assert.Null(report.SupportsScramSha256);
        // System.IO.Compression stops at the declared size (1,000 zero bytes: not ELF); the bounded read would refuse more.
        Assert.Matches("lib/libpq.so.5 (is not an ELF file|was not read: it holds more data than its zip entry declares|could not be unzipped)", BundleBuilder.Text(report));
    }

    [Fact]
    public void Bundle_unzipping_beyond_lambdas_250_MB_is_refused_before_anything_is_decompressed()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var filler = zip.CreateEntry("data/zeros.bin", CompressionLevel.Fastest).Open();
            var chunk = new byte[1024 * 1024];
            for (var i = 0; i < 251; i++)
                filler.Write(chunk);
        }
        Assert.True(buffer.Length < 16 * 1024 * 1024, $"the zip itself is {buffer.Length} bytes");

        var error = Assert.Throws<BundleReadException>(() => Inspect(buffer.ToArray()));

        Assert.Equal(BundleErrorKind.LimitExceeded, error.Kind);
        Assert.Contains("Lambda's unzipped limit is 262,144,000", error.Message);
    }

    [Fact]
    public void Entry_count_cap_is_enforced()
    {
        var bundle = new BundleBuilder();
        for (var i = 0; i < 11; i++)
            bundle.File($"f{i}.py", "");

        var error = Assert.Throws<BundleReadException>(() => Inspect(bundle.Zip(), new ZipLimits { MaxEntries = 10 }));

        Assert.Equal(BundleErrorKind.LimitExceeded, error.Kind);
    }

    [Fact]
    public void Per_entry_size_cap_skips_the_entry_and_says_so()
    {
        var zip = new BundleBuilder().CopyOf("lib/libpq.so.5", fixtures.Libpq10RunPath).Zip();

        var report = Assert.Single(Inspect(zip, new ZipLimits { MaxEntryUncompressedBytes = 1000 }));

        Assert.Null(report.SupportsScramSha256);
        Assert.Contains("more than the 1,000 allowed per entry", BundleBuilder.Text(report));
    }

    [Fact]
    public void Entries_with_dot_dot_or_absolute_paths_are_ignored()
    {
        var zip = new BundleBuilder()
            .CopyOf("../../../tmp/libpq.so.5", fixtures.Libpq10RunPath)
            .CopyOf("/opt/lib/libpq.so.5", fixtures.Libpq10RunPath)
            .CopyOf("lib/libpq.so.5", fixtures.Libpq94RunPath)
            .Zip();

        var report = Assert.Single(Inspect(zip));

        Assert.Equal("lib/libpq.so.5", report.Path);
        Assert.False(report.SupportsScramSha256);
        Assert.Contains("Ignored 2 zip entries with an absolute or '..' path: ../../../tmp/libpq.so.5, /opt/lib/libpq.so.5", report.Evidence);
    }

    [Theory]
    [InlineData("lib/libpq.so.5", "lib/libpq.so.5")]
    [InlineData("lib\\libpq.so.5", "lib/libpq.so.5")]
    [InlineData("./lib//libpq.so.5", "lib/libpq.so.5")]
    [InlineData("..\\..\\etc\\cron.d\\x", null)]
    [InlineData("lib/../../x", null)]
    [InlineData("/etc/passwd", null)]
    [InlineData("C:/Windows/x.dll", null)]
    public void Entry_names_are_normalised_or_refused(string name, string? expected)
    {
        Assert.Equal(expected, RotationTroubleshooter.Bundles.Bundle.SafeRelativePath(name));
    }

    [Fact]
    public void Symlink_entry_is_not_followed()
    {
        // A link named like libpq pointing outside the bundle: reading it as a library would read the link text at best.
        var zip = new BundleBuilder()
            .File("pgdb.py", "")
            .CopyOf(NativeFixtures.PyGreSqlModuleName, fixtures.PyGreSqlAgainst10)
            .Symlink("lib/libpq.so.5", "/etc/passwd")
            .Zip();

        var report = Assert.Single(Inspect(zip));

        Assert.Equal(NativeFixtures.PyGreSqlModuleName, report.Path);
        Assert.Null(report.SupportsScramSha256);
        var evidence = BundleBuilder.Text(report);
        Assert.Contains("lib/libpq.so.5 is a symbolic link; not followed.", evidence);
        Assert.Contains("no libpq.so.5 in the bundle", evidence);
    }

    [Fact]
    public void Versioned_library_beside_a_symlink_is_used_without_following_the_link()
    {
        var zip = new BundleBuilder()
            .File("pgdb.py", "")
            .CopyOf(NativeFixtures.PyGreSqlModuleName, fixtures.PyGreSqlAgainst10)
            .Symlink("lib/libpq.so.5", "libpq.so.5.10")
            .CopyOf("lib/libpq.so.5.10", fixtures.Libpq10RunPath)
            .Zip();

        var report = Assert.Single(Inspect(zip));

        Assert.Equal("lib/libpq.so.5.10", report.Path);
        Assert.True(report.SupportsScramSha256);
        Assert.Equal(PostgresDriver.PyGreSQL, report.Driver);
        Assert.Contains("is a symbolic link (not followed); taking lib/libpq.so.5.10 beside it", BundleBuilder.Text(report));
    }

    [Fact]
    public void Symlinked_folder_on_disk_is_not_followed()
    {
        var outside = new BundleBuilder().CopyOf("libpq.so.5", fixtures.Libpq10RunPath).WriteFolder(fixtures.NewTempFolder());
        var bundle = fixtures.NewTempFolder();
        File.WriteAllText(Path.Combine(bundle, "lambda_function.py"), "");
        Directory.CreateSymbolicLink(Path.Combine(bundle, "lib"), outside);

        var report = Assert.Single(LibpqInspector.InspectPath(bundle));

        Assert.Equal(PostgresDriver.None, report.Driver);
    }

    [Fact]
    public void Non_seekable_download_stream_is_read_within_the_cap()
    {
        var zip = new BundleBuilder().CopyOf("lib/libpq.so.5", fixtures.Libpq10RunPath).Zip();
        using var download = new ForwardOnlyStream(zip);

        var report = Assert.Single(LibpqInspector.InspectZip(download, "fn"));

        Assert.True(report.SupportsScramSha256);
        var tooBig = Assert.Throws<BundleReadException>(() =>
            LibpqInspector.InspectZip(new ForwardOnlyStream(zip), "fn", new ZipLimits { MaxTotalUncompressedBytes = 1000 }));
        Assert.Equal(BundleErrorKind.LimitExceeded, tooBig.Kind);
    }

    /// <summary>Like an HTTP response body: readable once, front to back.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
