using RotationTroubleshooter.Bundles;
namespace RotationTroubleshooter.Tests.Bundles;

[Collection(NativeFixturesCollection.Name)]
public sealed class FunctionWithLayersTests(NativeFixtures fixtures)
{
    private const string LayerArn = "arn:aws:lambda:us-east-1:123456789012:layer:libpq:3";

    private BundleBuilder FunctionWithPyGreSqlOnly() => new BundleBuilder()
        .File("lambda_function.py", "import pgdb\n")
        .File("pg.py", "")
        .File("pgdb.py", "")
        .CopyOf(NativeFixtures.PyGreSqlModuleName, fixtures.PyGreSqlAgainst94);

    [Fact]
    public void Module_in_the_function_is_matched_to_the_libpq_a_layer_puts_in_opt_lib()
    {
        using var function = new MemoryStream(FunctionWithPyGreSqlOnly().Zip());
        using var layer = new MemoryStream(new BundleBuilder().CopyOf("lib/libpq.so.5", fixtures.Libpq94RunPath).Zip());

        var reports = LibpqInspector.InspectFunction(function, "rotator", [(layer, LayerArn)]);

        var report = Assert.Single(reports);
        Assert.Equal(LayerArn, report.Source);
        Assert.Equal("lib/libpq.so.5", report.Path);
        Assert.Equal(PostgresDriver.PyGreSQL, report.Driver);
        Assert.False(report.SupportsScramSha256);
        Assert.Contains($"Used by rotator: {NativeFixtures.PyGreSqlModuleName} (PyGreSQL): NEEDED libpq.so.5; found lib/libpq.so.5 in {LayerArn} on Lambda's library path (/opt/lib, from a layer).", report.Evidence);
    }

    [Fact]
    public void Function_and_layers_share_lambdas_unzipped_limit()
    {
        var function = FunctionWithPyGreSqlOnly().Zip();
        var layer = new BundleBuilder().CopyOf("lib/libpq.so.5", fixtures.Libpq94RunPath).Zip();
        var eachFits = new ZipLimits { MaxTotalUncompressedBytes = new FileInfo(fixtures.Libpq94RunPath).Length + 100 };
        Assert.NotEmpty(LibpqInspector.InspectZip(new MemoryStream(layer), LayerArn, eachFits));

        var error = Assert.Throws<BundleReadException>(() =>
            LibpqInspector.InspectFunction(new MemoryStream(function), "rotator", [(new MemoryStream(layer), LayerArn)], eachFits));

        Assert.Equal(BundleErrorKind.LimitExceeded, error.Kind);
        Assert.Contains("the function and its layers unzip to", error.Message);
    }

    [Fact]
    public void Function_without_its_libpq_and_without_layers_says_to_inspect_the_layers()
    {
        using var function = new MemoryStream(FunctionWithPyGreSqlOnly().Zip());

        var report = Assert.Single(LibpqInspector.InspectFunction(function, "rotator", []));

        Assert.Equal(NativeFixtures.PyGreSqlModuleName, report.Path);
        Assert.Null(report.SupportsScramSha256);
        Assert.Contains("inspect the function's layers too", BundleBuilder.Text(report));
    }

    [Fact]
    public void Image_function_is_reported_as_not_inspectable()
    {
        var report = LibpqInspector.NotInspectable("rotator", "PackageType Image: the code is a container image, not a zip.");

        Assert.Null(report.SupportsScramSha256);
        Assert.Equal(PostgresDriver.Unknown, report.Driver);
        Assert.Equal("PackageType Image: the code is a container image, not a zip.", report.Evidence[0]);
    }

    [Fact]
    public void Cancellation_stops_the_inspection()
    {
        using var function = new MemoryStream(FunctionWithPyGreSqlOnly().Zip());

        Assert.ThrowsAny<OperationCanceledException>(() =>
            LibpqInspector.InspectZip(function, "rotator", cancellationToken: new CancellationToken(canceled: true)));
    }
}
