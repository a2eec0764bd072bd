using System.IO.Compression;
using System.Text;
using RotationTroubleshooter.Tests.Bundles;
using RotationTroubleshooter.Tests.Logs;
using static RotationTroubleshooter.Tests.Logs.Transcript;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Tests.Safety;

/// <summary>
/// Bad input, fuzzed: the log reader and analyzer, the zip reader and the ELF reader get seeded mutations of valid
/// inputs for a few seconds each. Each input must end in a result or the reader's typed exception, within a second,
/// allocating a bounded amount. One class, so the loops run one after another and do not starve each other.
/// </summary>
public sealed class FuzzTests : IDisposable
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxRound = TimeSpan.FromSeconds(1);
    private const long MaxRoundBytes = 64L * 1024 * 1024;
    private readonly string _dir = Directory.CreateTempSubdirectory("rt-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[][] LogCorpus()
    {
        var text = new Transcript(LambdaLogFormat.Text);
        text.Invoke(900, InvocationEnd.Success, [Retrieved(ArnA), Put(ArnA, Ver1)]);
        text.Invoke(15400, InvocationEnd.Error, ["!" + SetFailed(ArnA)],
            unhandled: $"ValueError: Unable to log into database with previous, current, or pending secret of secret arn {ArnA}", coldStart: false);
        text.Invoke(30030, InvocationEnd.Timeout, ["Found credentials in environment variables."]);
        var json = new Transcript(LambdaLogFormat.Json);
        json.Invoke(800, InvocationEnd.Success, [Put(ArnB, Ver2)]);
        json.Invoke(700, InvocationEnd.Success, [SetOk(ArnB), TestOk(ArnB), FinishOk(ArnB, Ver2)], coldStart: false);
        return
        [
            Encoding.UTF8.GetBytes(text.ToFilterLogEventsJson()),
            Encoding.UTF8.GetBytes(text.ToGetLogEventsJson()),
            Encoding.UTF8.GetBytes(text.ToPlainText(timestampColumn: true)),
            Encoding.UTF8.GetBytes(json.ToFilterLogEventsJson()),
            Encoding.UTF8.GetBytes(json.ToPlainText(timestampColumn: false)),
        ];
    }

    private static void Bounded(MutationFuzzer.Outcome outcome)
    {
        Assert.True(outcome.Rounds > 20, $"only {outcome.Rounds} rounds ran");
        Assert.True(outcome.MaxRoundTime < MaxRound, $"one input took {outcome.MaxRoundTime}");
        Assert.True(outcome.MaxAllocatedBytes < MaxRoundBytes, $"one input allocated {outcome.MaxAllocatedBytes:N0} bytes");
    }

    [Fact]
    public async Task Log_reader_and_analyzer_answer_every_mutated_export()
    {
        var corpus = LogCorpus();
        var outcome = await Task.Run(() => MutationFuzzer.Run(9001, corpus, Budget, input =>
        {
            using var stream = new MemoryStream(input);
            var read = LogFileReader.Read(stream, "fuzzed.json", maxEvents: 10_000);
            RotationLogAnalyzer.Analyze(read.Events, "SecretsManagerRDSPostgreSQLRotationSingleUser", ArnA, T0.AddDays(1));
        }, e => e is LogFileFormatException)).WaitAsync(TimeSpan.FromSeconds(30));
        Bounded(outcome);
    }

    [Fact]
    public async Task Zip_reader_answers_every_mutated_bundle()
    {
        var elf = BigEndianElf.SharedObject("libpq.so.5", NativeFixtures.AwsRunPath94, "PQconnectdb");
        var corpus = new[]
        {
            new BundleBuilder().File("lambda_function.py", "import pg").File("libpq.so.5", elf).File("_pg.so", elf).Zip(),
            new BundleBuilder().File("python/psycopg2/__init__.py", "").File("python/psycopg2_binary.libs/libpq-be3d6e4e.so.5.15", elf)
                .Symlink("lib/libpq.so.5", "../python/psycopg2_binary.libs/libpq-be3d6e4e.so.5.15").Zip(CompressionLevel.NoCompression),
        };
        var outcome = await Task.Run(() => MutationFuzzer.Run(9002, corpus, Budget, input =>
        {
            using var stream = new MemoryStream(input);
            LibpqInspector.InspectZip(stream, "fuzzed.zip");
        }, e => e is BundleReadException)).WaitAsync(TimeSpan.FromSeconds(30));
        Bounded(outcome);
    }

    [Fact]
    public async Task Elf_reader_answers_every_mutated_shared_object()
    {
        var corpus = new[]
        {
            BigEndianElf.SharedObject("libpq.so.5", NativeFixtures.AwsRunPath94, "PQconnectdb"),
            BigEndianElf.SharedObject("libpq.so.5", NativeFixtures.AwsRunPath10, "PQconnectdb", "PQencryptPasswordConn"),
            File.ReadAllBytes(NativeFixtures.RealLibpqPath)[..65536],
        };
        var path = Path.Combine(_dir, "libpq.so.5");
        var outcome = await Task.Run(() => MutationFuzzer.Run(9003, corpus, Budget, input =>
        {
            File.WriteAllBytes(path, input);
            LibpqInspector.InspectPath(path);
        }, e => e is BundleReadException)).WaitAsync(TimeSpan.FromSeconds(30));
        Bounded(outcome);
    }

    [Fact]
    public void Same_seed_same_inputs()
    {
        var corpus = LogCorpus();
        var a = MutationFuzzer.Mutate(new Random(7), corpus);
        var b = MutationFuzzer.Mutate(new Random(7), corpus);
        Assert.Equal(a, b);
    }
}
