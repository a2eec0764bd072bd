using System.Diagnostics;
using System.Text;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Tests.Aws;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Tests.Safety;

/// <summary>
/// Named bad inputs (the fuzz loops find the unnamed ones). Zip bombs, '..' and symlink entries are named in
/// Bundles/ZipSafetyTests; a SecretBinary secret and names with spaces and unicode go through Test-SecretRotation in
/// tests/Pester/Safety.Tests.ps1.
/// </summary>
public sealed class BadInputTests
{
    private const string RequestId = "00000001-1111-4222-8333-444444444444";
    private const string Arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf";

    private static LogFileReadResult ReadBytes(byte[] bytes, string name) => LogFileReader.Read(new MemoryStream(bytes), name);

    private static string Line(string time, string message) => $"{time} [ERROR]\t{time}\t{RequestId}\t{message}\n";

    [Fact]
    public void A_huge_log_line_is_skipped_with_a_warning_in_bounded_time_and_the_lines_after_it_are_kept()
    {
        var text = Line("2026-11-20T03:00:00.000Z", "setSecret: " + new string('x', 8 * 1024 * 1024)) +
                   Line("2026-11-20T03:00:01.000Z", $"setSecret: Unable to log into database with previous, current, or pending secret of secret arn {Arn}");
        var clock = Stopwatch.StartNew();
        var read = ReadBytes(Encoding.UTF8.GetBytes(text), "huge.log");
        RotationLogAnalyzer.Analyze(read.Events, "f", null, new DateTime(2026, 11, 21, 0, 0, 0, DateTimeKind.Utc));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("Unable to log into database", Assert.Single(read.Events).Message);
        Assert.Contains(read.Warnings, w => w.Contains("longer than"));
    }

    [Fact]
    public void A_JSON_export_with_one_value_over_the_cap_stops_there_with_a_warning()
    {
        var json = $$"""{"events":[{"timestamp":1795143600000,"message":"ok"},{"timestamp":1795143601000,"message":"{{new string('x', 9 * 1024 * 1024)}}"}]}""";
        var clock = Stopwatch.StartNew();
        var read = ReadBytes(Encoding.UTF8.GetBytes(json), "huge.json");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains(read.Warnings, w => w.Contains("larger than"));
    }

    [Fact]
    public void A_line_with_bytes_that_are_not_UTF8_is_counted_as_unreadable_and_the_others_are_read()
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes(Line("2026-11-20T03:00:00.000Z", "createSecret: Successfully retrieved secret for " + Arn + ".")));
        // Latin-1 text, a cut multi-byte sequence and a lone continuation byte inside one message.
        bytes.AddRange(Encoding.UTF8.GetBytes(Line("2026-11-20T03:00:01.000Z", "setSecret: caf").TrimEnd('\n')));
        bytes.AddRange([0xE9, 0x20, 0xE2, 0x82, 0x20, 0x80, (byte)'\n']);
        bytes.AddRange(Encoding.UTF8.GetBytes(Line("2026-11-20T03:00:02.000Z", $"setSecret: Unable to log into database with previous, current, or pending secret of secret arn {Arn}")));

        var read = ReadBytes([.. bytes], "latin1.log");

        Assert.Equal(2, read.Events.Count);
        Assert.Equal(1, read.UnreadableCount);
        Assert.NotEmpty(read.Warnings);
        Assert.Contains(read.Events, e => e.Message.Contains("Unable to log into database"));
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_inside_a_JSON_export_make_that_event_unreadable_not_the_file()
    {
        var bytes = new List<byte>("""{"events":[{"timestamp":1795143600000,"message":"caf"""u8.ToArray());
        bytes.AddRange([0xE9, 0xFF]);
        bytes.AddRange(Encoding.UTF8.GetBytes("\", \"logStreamName\":\"s\"},{\"timestamp\":1795143601000,\"message\":\"END RequestId: " + RequestId + "\"}]}"));

        var read = ReadBytes([.. bytes], "export.json");

        Assert.Equal(1, read.UnreadableCount);
        Assert.Single(read.Events);
    }

    [Theory]
    [InlineData("arn:aws:secretsmanager:us-east-1:secret")]
    [InlineData("arn:aws:secretsmanager:us-east-1:123456789012:secret:")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:f")]
    [InlineData("arn:aws:secretsmanager:US-EAST-1:123456789012:secret:x")]
    [InlineData("arn:aws:secretsmanager:us-east-1:12345:secret:x")]
    [InlineData("arn:aws:secretsmanager:us-east-1:123456789012:secret:has space")]
    [InlineData("arn:\u0000:secretsmanager")]
    public void A_malformed_secret_ARN_is_an_InvalidArn_error_saying_what_an_ARN_looks_like(string arn)
    {
        var error = Assert.ThrowsAny<TroubleshooterException>(() => AwsArn.CheckSecretId(arn));
        Assert.Equal("InvalidArn", error.ErrorId);
        Assert.Equal(FailureCategory.InvalidArgument, error.Category);
        Assert.Contains("arn:aws:secretsmanager:<region>:<account>:secret:<name>", error.Message);
    }

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:layer:x:1")]
    [InlineData("name with spaces")]
    [InlineData("f\u00fcnction")]
    [InlineData("")]
    public void A_malformed_function_name_or_ARN_is_a_typed_error(string name)
    {
        var error = Assert.ThrowsAny<TroubleshooterException>(() => AwsArn.CheckFunctionName(name));
        Assert.Equal(FailureCategory.InvalidArgument, error.Category);
    }

    [Theory]
    [InlineData("prod/orders db", "prod/orders db")]
    [InlineData("  prod/\u00fcn\u00efc\u00f6de-\u2713 ", "prod/\u00fcn\u00efc\u00f6de-\u2713")]
    public void Secret_names_with_spaces_and_unicode_go_to_AWS_as_given(string input, string expected) =>
        Assert.Equal(expected, AwsArn.CheckSecretId(input));

    [Fact]
    public async Task An_unknown_region_is_a_transport_error_naming_the_endpoint_within_the_bounds()
    {
        var pipeline = new AwsPipeline(TestConnections.Create(region: "xx-nowhere-9"),
            new AwsPipelineOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromSeconds(5) });
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<AwsServiceException>(() => new SecretsManagerClient(pipeline).DescribeSecretAsync("x", CancellationToken.None));
        Assert.Equal(AwsErrorKind.Transport, error.Kind);
        Assert.Contains("secretsmanager.xx-nowhere-9.amazonaws.com", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Pipeline_bounds_come_from_the_environment_only_when_they_are_sane()
    {
        var defaults = new AwsPipelineOptions();
        Assert.Equal(defaults, AwsPipelineLimits.FromEnvironment(_ => null));
        Assert.Equal(defaults, AwsPipelineLimits.FromEnvironment(_ => "-1"));
        Assert.Equal(defaults, AwsPipelineLimits.FromEnvironment(_ => "soon"));
        var variables = new Dictionary<string, string> { ["RT_AWS_MAX_ATTEMPTS"] = "3", ["RT_AWS_ATTEMPT_TIMEOUT_SECONDS"] = "1.5", ["RT_AWS_BASE_DELAY_MS"] = "20" };
        var shortened = AwsPipelineLimits.FromEnvironment(variables.GetValueOrDefault);
        Assert.Equal(3, shortened.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1.5), shortened.AttemptTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(20), shortened.BaseDelay);
        Assert.Equal(20, AwsPipelineLimits.FromEnvironment(_ => "1000").MaxAttempts);
    }
}
