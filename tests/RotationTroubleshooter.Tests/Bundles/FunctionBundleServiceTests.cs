using System.Net;
using System.Text;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Tests.Aws;

namespace RotationTroubleshooter.Tests.Bundles;

/// <summary>FunctionBundleService against a scripted Lambda and S3: what each answer means to the user.</summary>
[Collection(NativeFixturesCollection.Name)]
public sealed class FunctionBundleServiceTests(NativeFixtures fixtures)
{
    private const string Name = "rotator";
    private const string FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:rotator";
    private const string LayerArn = "arn:aws:lambda:us-east-1:123456789012:layer:libpq:3";
    private const string CodeUrl = "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/rotator?X-Amz-Security-Token=token-value&X-Amz-Signature=abc";
    private const string LayerUrl = "https://awslambda-us-east-1-layers.s3.us-east-1.amazonaws.com/snapshots/libpq?X-Amz-Signature=def";

    private static readonly BundleDownloadOptions Fast = new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(1), ResponseTimeout = TimeSpan.FromMilliseconds(500), StallTimeout = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>Answers Lambda's GetFunction / GetLayerVersionByArn from a script and S3 GETs from a queue of answers per URL path.</summary>
    private sealed class FakeAws : HttpMessageHandler
    {
        public string GetFunctionBody = Function();
        public string? LayerBody;
        public readonly Dictionary<string, Queue<Func<HttpResponseMessage>>> Downloads = new();
        public readonly List<string> Calls = [];

        public void Serve(string url, params Func<HttpResponseMessage>[] answers) => Downloads[new Uri(url).AbsolutePath] = new(answers);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Yield();
            var uri = request.RequestUri!;
            if (uri.Host.StartsWith("lambda.", StringComparison.Ordinal))
            {
                var operation = uri.AbsolutePath.StartsWith("/2018-10-31/layers", StringComparison.Ordinal) ? "GetLayerVersionByArn" : "GetFunction";
                Calls.Add(operation);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(operation == "GetFunction" ? GetFunctionBody : LayerBody!) };
            }
            Calls.Add("s3:" + uri.AbsolutePath);
            Assert.Null(request.Headers.Authorization); // a presigned URL is fetched unsigned
            var queue = Downloads[uri.AbsolutePath];
            return (queue.Count > 1 ? queue.Dequeue() : queue.Peek())();
        }
    }

    private static string Function(string packageType = "Zip", string? location = CodeUrl, string layers = "[]") =>
        $$"""{"Configuration":{"FunctionName":"{{Name}}","FunctionArn":"{{FunctionArn}}","PackageType":"{{packageType}}","Layers":{{layers}}},""" +
        (location is null ? """ "Code":{"RepositoryType":"ECR","ImageUri":"123456789012.dkr.ecr.us-east-1.amazonaws.com/rotator:1"},""" : $$""" "Code":{"RepositoryType":"S3","Location":"{{location}}"},""") +
        """ "Tags":{}}""";

    private static HttpResponseMessage Zip(byte[] zip) => new(HttpStatusCode.OK) { Content = new ByteArrayContent(zip) };

    private static HttpResponseMessage S3Error(HttpStatusCode status, string code, string message) => new(status)
    {
        Content = new StringContent($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>1</RequestId></Error>", Encoding.UTF8, "application/xml"),
    };

    private byte[] OldBundle() => new BundleBuilder()
        .File("lambda_function.py", "import pgdb\n")
        .CopyOf(NativeFixtures.PyGreSqlModuleName, fixtures.PyGreSqlAgainst94)
        .CopyOf("libpq.so.5", fixtures.Libpq94RunPath)
        .Zip();

    private static FunctionBundleService Service(FakeAws aws, ZipLimits? limits = null, BundleDownloadOptions? options = null) =>
        new(new AwsSession(TestConnections.Create(), handler: aws), limits ?? ZipLimits.Default, options ?? Fast);

    [Fact]
    public async Task Downloads_the_package_and_judges_its_libpq()
    {
        var aws = new FakeAws();
        aws.Serve(CodeUrl, () => Zip(OldBundle()));

        var report = Assert.Single(await Service(aws).ForFunctionAsync(Name, CancellationToken.None));

        Assert.Equal(Name, report.Source);
        Assert.Equal("libpq.so.5", report.Path);
        Assert.False(report.SupportsScramSha256);
        Assert.Equal(PostgresDriver.PyGreSQL, report.Driver);
    }

    [Fact]
    public async Task A_function_asked_for_by_name_and_by_arn_is_downloaded_once()
    {
        var aws = new FakeAws();
        aws.Serve(CodeUrl, () => Zip(OldBundle()));
        var service = Service(aws);

        await Task.WhenAll(service.ForFunctionAsync(Name, CancellationToken.None), service.ForFunctionAsync(FunctionArn, CancellationToken.None),
            service.ForFunctionAsync(Name, CancellationToken.None));

        Assert.Single(aws.Calls, c => c.StartsWith("s3:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Layers_are_fetched_with_GetLayerVersionByArn_and_inspected_with_the_function()
    {
        var aws = new FakeAws { GetFunctionBody = Function(layers: $$"""[{"Arn":"{{LayerArn}}","CodeSize":1000}]""") };
        aws.LayerBody = $$$"""{"LayerVersionArn":"{{{LayerArn}}}","Version":3,"Content":{"Location":"{{{LayerUrl}}}","CodeSize":1000}}""";
        aws.Serve(CodeUrl, () => Zip(new BundleBuilder().CopyOf(NativeFixtures.PyGreSqlModuleName, fixtures.PyGreSqlAgainst10).Zip()));
        aws.Serve(LayerUrl, () => Zip(new BundleBuilder().CopyOf("lib/libpq.so.5", fixtures.Libpq10RunPath).Zip()));

        var report = Assert.Single(await Service(aws).ForFunctionAsync(Name, CancellationToken.None));

        Assert.Equal(LayerArn, report.Source);
        Assert.True(report.SupportsScramSha256);
        Assert.Contains("GetLayerVersionByArn", aws.Calls);
    }

    [Fact]
    public async Task A_layer_that_cannot_be_downloaded_is_reported_and_the_function_is_still_judged()
    {
        var aws = new FakeAws { GetFunctionBody = Function(layers: $$"""[{"Arn":"{{LayerArn}}"}]""") };
        aws.LayerBody = $$$"""{"LayerVersionArn":"{{{LayerArn}}}","Content":{"Location":"{{{LayerUrl}}}"}}""";
        aws.Serve(CodeUrl, () => Zip(OldBundle()));
        aws.Serve(LayerUrl, () => S3Error(HttpStatusCode.NotFound, "NoSuchKey", "The specified key does not exist."));

        var reports = await Service(aws).ForFunctionAsync(Name, CancellationToken.None);

        var layer = Assert.Single(reports, r => r.Source == LayerArn);
        Assert.Null(layer.SupportsScramSha256);
        Assert.Contains("could not be read", layer.Evidence[0]);
        Assert.False(Assert.Single(reports, r => r.Source == Name).SupportsScramSha256);
    }

    [Fact]
    public async Task The_function_and_its_layers_share_one_download_budget()
    {
        var limits = new ZipLimits { MaxTotalUncompressedBytes = 1_000_000 };
        var function = OldBundle();
        var layerSize = 1_000_000 + 16L * 1024 * 1024 - function.Length + 1; // would fit alone, not after the function's package
        var aws = new FakeAws { GetFunctionBody = Function(layers: $$"""[{"Arn":"{{LayerArn}}"}]""") };
        aws.LayerBody = $$$"""{"LayerVersionArn":"{{{LayerArn}}}","Content":{"Location":"{{{LayerUrl}}}","CodeSize":{{{layerSize}}}}}""";
        aws.Serve(CodeUrl, () => Zip(function));

        var reports = await Service(aws, limits).ForFunctionAsync(Name, CancellationToken.None);

        Assert.Contains("left of the", Assert.Single(reports, r => r.Source == LayerArn).Evidence[0]);
        Assert.False(Assert.Single(reports, r => r.Source == Name).SupportsScramSha256);
        Assert.DoesNotContain("s3:" + new Uri(LayerUrl).AbsolutePath, aws.Calls);
    }

    [Fact]
    public async Task A_container_image_is_not_inspectable_and_nothing_is_downloaded()
    {
        var aws = new FakeAws { GetFunctionBody = Function(packageType: "Image", location: null) };

        var report = Assert.Single(await Service(aws).ForFunctionAsync(Name, CancellationToken.None));

        Assert.Null(report.SupportsScramSha256);
        Assert.Contains("container image (PackageType Image, 123456789012.dkr.ecr.us-east-1.amazonaws.com/rotator:1)", report.Evidence[0]);
        Assert.DoesNotContain(aws.Calls, c => c.StartsWith("s3:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Transient_S3_errors_are_retried()
    {
        var aws = new FakeAws();
        aws.Serve(CodeUrl, () => S3Error(HttpStatusCode.ServiceUnavailable, "SlowDown", "Please reduce your request rate."),
            () => S3Error(HttpStatusCode.InternalServerError, "InternalError", "We encountered an internal error."), () => Zip(OldBundle()));

        Assert.Single(await Service(aws).ForFunctionAsync(Name, CancellationToken.None));
        Assert.Equal(3, aws.Calls.Count(c => c.StartsWith("s3:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Persistent_S3_faults_give_up_after_the_attempt_limit_without_showing_the_presigned_query()
    {
        var aws = new FakeAws();
        aws.Serve(CodeUrl, () => S3Error(HttpStatusCode.ServiceUnavailable, "SlowDown", "Please reduce your request rate."));

        var error = await Assert.ThrowsAsync<BundleDownloadException>(() => Service(aws).ForFunctionAsync(Name, CancellationToken.None));

        Assert.Equal("BundleDownloadFailed", error.ErrorId);
        Assert.Equal(FailureCategory.Unavailable, error.Category);
        Assert.Contains("after 3 attempts: HTTP 503 SlowDown", error.Message);
        Assert.DoesNotContain("token-value", error.Message);
        Assert.DoesNotContain("X-Amz", error.Message);
    }

    [Fact]
    public async Task An_expired_url_is_fetched_again_once_from_Lambda()
    {
        var aws = new FakeAws();
        aws.Serve(CodeUrl, () => S3Error(HttpStatusCode.Forbidden, "AccessDenied", "Request has expired"), () => Zip(OldBundle()));

        Assert.Single(await Service(aws).ForFunctionAsync(Name, CancellationToken.None));
        Assert.Equal(2, aws.Calls.Count(c => c == "GetFunction"));
    }

    [Fact]
    public async Task A_download_S3_keeps_refusing_is_BundleDownloadDenied()
    {
        var aws = new FakeAws();
        aws.Serve(CodeUrl, () => S3Error(HttpStatusCode.Forbidden, "AccessDenied", "Access Denied"));

        var error = await Assert.ThrowsAsync<BundleDownloadException>(() => Service(aws).ForFunctionAsync(Name, CancellationToken.None));

        Assert.Equal("BundleDownloadDenied", error.ErrorId);
        Assert.Equal(FailureCategory.PermissionDenied, error.Category);
        Assert.Contains("HTTP 403 AccessDenied: Access Denied", error.Message);
    }

    [Fact]
    public async Task A_package_larger_than_the_cap_is_refused_by_its_declared_length_and_while_streaming()
    {
        var limits = new ZipLimits { MaxTotalUncompressedBytes = 1000 };
        var big = new byte[17 * 1024 * 1024 + 2000]; // over the cap plus the zip overhead allowance
        var declared = new FakeAws();
        declared.Serve(CodeUrl, () => Zip(big));
        var undeclared = new FakeAws();
        undeclared.Serve(CodeUrl, () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new UnknownLengthStream(big)) });

        foreach (var (aws, said) in new[] { (declared, $"is {big.Length:N0} bytes, over"), (undeclared, "is larger than that, over") })
        {
            var error = await Assert.ThrowsAsync<BundleDownloadException>(() => Service(aws, limits).ForFunctionAsync(Name, CancellationToken.None));
            Assert.Equal("BundleTooLarge", error.ErrorId);
            Assert.Equal(FailureCategory.LimitsExceeded, error.Category);
            Assert.Contains(said, error.Message);
        }
    }

    [Fact]
    public async Task A_package_larger_than_the_memory_threshold_is_read_from_a_temporary_file_that_is_then_deleted()
    {
        var aws = new FakeAws();
        var bundle = OldBundle();
        aws.Serve(CodeUrl, () => Zip(bundle));
        var before = Directory.GetFiles(Path.GetTempPath(), "rt-bundle-*").Length;

        var report = Assert.Single(await Service(aws, options: Fast with { InMemoryBytes = bundle.Length / 4 }).ForFunctionAsync(Name, CancellationToken.None));

        Assert.False(report.SupportsScramSha256);
        Assert.Equal(before, Directory.GetFiles(Path.GetTempPath(), "rt-bundle-*").Length);
    }

    [Fact]
    public async Task A_stalled_download_times_out_and_is_retried()
    {
        var aws = new FakeAws();
        aws.Serve(CodeUrl, () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new StallingStream()) }, () => Zip(OldBundle()));

        Assert.Single(await Service(aws).ForFunctionAsync(Name, CancellationToken.None));
    }

    [Fact]
    public async Task A_corrupt_package_is_BundleCorrupt()
    {
        var aws = new FakeAws();
        aws.Serve(CodeUrl, () => Zip(OldBundle()[..500]));

        var error = await Assert.ThrowsAnyAsync<TroubleshooterException>(() => Service(aws).ForFunctionAsync(Name, CancellationToken.None));

        Assert.Equal("BundleCorrupt", error.ErrorId);
        Assert.Equal(FailureCategory.InvalidData, error.Category);
    }

    [Fact]
    public async Task No_code_location_means_GetFunction_was_not_allowed()
    {
        var aws = new FakeAws { GetFunctionBody = $$$"""{"Configuration":{"FunctionName":"{{{Name}}}","FunctionArn":"{{{FunctionArn}}}","PackageType":"Zip"},"Tags":{}}""" };

        var error = await Assert.ThrowsAnyAsync<TroubleshooterException>(() => Service(aws).ForFunctionAsync(Name, CancellationToken.None));

        Assert.Equal("CodeLocationUnavailable", error.ErrorId);
        Assert.Contains("lambda:GetFunction", error.Message);
    }

    [Fact]
    public void Offline_failures_carry_stable_ids()
    {
        var missing = Assert.ThrowsAny<TroubleshooterException>(() => FunctionBundleService.InspectPath("/nonexistent/bundle.zip"));
        Assert.Equal(("PathNotFound", FailureCategory.NotFound), (missing.ErrorId, missing.Category));

        var tooLarge = new BundleReadException(BundleErrorKind.LimitExceeded, "x.zip", "is too large");
        Assert.Equal(("BundleTooLarge", FailureCategory.LimitsExceeded), (tooLarge.ErrorId, tooLarge.Category));
    }

    /// <summary>A body without Content-Length (not seekable), so only the bytes read can tell its size.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    /// <summary>Sends nothing until cancelled: a connection that stopped mid-download.</summary>
    private sealed class StallingStream : MemoryStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }
}
