using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace RotationTroubleshooter.Aws;

/// <summary>An API's request quota: AWS's token bucket, refilled at <see cref="PerSecond"/>, holding at most <see cref="Burst"/>.</summary>
public sealed record AwsRateLimit(double PerSecond, double Burst)
{
    public static AwsRateLimit Of(double perSecond) => new(perSecond, Math.Max(1, perSecond));
}

/// <summary>
/// AWS's published request quotas (per account and region; docs/reference/rotation.md, "Request quotas"), as client-side limits.
/// A key is "service:Operation" (that operation's own bucket) or "service" (one bucket the service's other operations
/// share, as Lambda's control plane does). Operations with no limit are not limited until AWS throttles them.
/// </summary>
public static class AwsRateLimits
{
    /// <summary>The environment variable that overrides limits for every run, e.g. "logs:FilterLogEvents=2;lambda=10".</summary>
    public const string EnvironmentVariable = "ROTATION_TROUBLESHOOTER_RATE_LIMITS";

    public static IReadOnlyDictionary<string, AwsRateLimit> Defaults { get; } = new Dictionary<string, AwsRateLimit>(StringComparer.OrdinalIgnoreCase)
    {
        ["secretsmanager:ListSecrets"] = AwsRateLimit.Of(100),
        ["secretsmanager:DescribeSecret"] = AwsRateLimit.Of(10_000),
        ["secretsmanager:GetSecretValue"] = AwsRateLimit.Of(10_000),
        ["secretsmanager:BatchGetSecretValue"] = AwsRateLimit.Of(100),
        // Secrets Manager's writes: 50/s (UpdateSecretVersionStage shares it with PutSecretValue and UpdateSecret).
        ["secretsmanager:RotateSecret"] = AwsRateLimit.Of(50),
        ["secretsmanager:UpdateSecretVersionStage"] = AwsRateLimit.Of(50),
        ["lambda:GetFunction"] = AwsRateLimit.Of(100),
        // GetPolicy, GetFunctionConfiguration, ListTags, and the repairs' AddPermission and UpdateFunctionConfiguration: 15/s together.
        ["lambda"] = AwsRateLimit.Of(15),
        ["logs:FilterLogEvents"] = AwsRateLimit.Of(5),
        // Unpublished; about 5/s is what users report.
        ["cloudformation:DescribeStacks"] = AwsRateLimit.Of(5),
        // EC2's non-mutating actions share one token bucket: 100 tokens, refilled at 20/s.
        ["ec2"] = new AwsRateLimit(20, 100),
        // Event history: 2 per second per account and region (docs/reference/cloudtrail.md).
        ["cloudtrail:LookupEvents"] = AwsRateLimit.Of(2),
        // RDS (and DocumentDB, which is its API): one bucket per account and Region, a burst of 300 refilled at 12/s.
        ["rds"] = new AwsRateLimit(12, 300),
    };

    /// <summary>
    /// Parses "key=rate" pairs separated by ';' or ','; a rate of 0 removes the client-side limit for that key.
    /// </summary>
    public static Dictionary<string, double> Parse(string? text, string origin)
    {
        var result = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(text)) return result;
        foreach (var pair in text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate)
                || rate < 0 || double.IsNaN(rate) || double.IsInfinity(rate))
                throw new TroubleshooterException(ErrorIds.InvalidRateLimit, FailureCategory.InvalidArgument,
                    $"'{pair}' in {origin} is not a rate limit. Write service:Operation=requests-per-second or service=requests-per-second, " +
                    "separated by ';', e.g. \"logs:FilterLogEvents=2;lambda=10\" (0 removes the limit).");
            result[parts[0]] = rate;
        }
        return result;
    }

    /// <summary>The defaults, then the environment variable, then <paramref name="overrides"/>; 0 means unlimited.</summary>
    public static IReadOnlyDictionary<string, AwsRateLimit> Resolve(IReadOnlyDictionary<string, double>? overrides, string? environmentValue)
    {
        var limits = new Dictionary<string, AwsRateLimit>(Defaults, StringComparer.OrdinalIgnoreCase);
        void Apply(IEnumerable<KeyValuePair<string, double>> source)
        {
            foreach (var (key, rate) in source)
            {
                if (rate <= 0) limits.Remove(key);
                else limits[key] = AwsRateLimit.Of(rate);
            }
        }
        Apply(Parse(environmentValue, EnvironmentVariable));
        if (overrides != null) Apply(overrides);
        return limits;
    }
}

/// <summary>
/// Client-side rate limiting for one account and region: one token bucket per limit key, and adaptive backoff that
/// lowers a bucket's rate when AWS throttles anyway and restores it step by step once AWS stops.
/// </summary>
public sealed class AwsRateLimiter
{
    private static readonly ConcurrentDictionary<string, AwsRateLimiter> Shared = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, AwsRateLimit> _limits;
    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<TimeSpan> _clock;

    public AwsRateLimiter(IReadOnlyDictionary<string, AwsRateLimit> limits, Func<TimeSpan>? clock = null)
    {
        _limits = limits;
        var watch = Stopwatch.StartNew();
        _clock = clock ?? (() => watch.Elapsed);
    }

    /// <summary>
    /// One limiter per scope (region and endpoint) and set of limits in this process, so consecutive and parallel
    /// cmdlet runs against the same account share their buckets and what they learnt from throttling.
    /// </summary>
    public static AwsRateLimiter For(string scope, IReadOnlyDictionary<string, AwsRateLimit> limits)
    {
        var signature = scope + "|" + string.Join(";", limits.OrderBy(l => l.Key, StringComparer.OrdinalIgnoreCase)
            .Select(l => $"{l.Key.ToLowerInvariant()}={l.Value.PerSecond.ToString(CultureInfo.InvariantCulture)}/{l.Value.Burst.ToString(CultureInfo.InvariantCulture)}"));
        return Shared.GetOrAdd(signature, _ => new AwsRateLimiter(limits));
    }

    /// <summary>The bucket an operation draws from: its own limit, else its service's shared limit, else an unlimited one.</summary>
    internal TokenBucket BucketFor(string service, string operation)
    {
        var own = $"{service}:{operation}";
        var key = _limits.ContainsKey(own) ? own : _limits.ContainsKey(service) ? service : own;
        return _buckets.GetOrAdd(key, k => new TokenBucket(k, _limits.GetValueOrDefault(k), _clock));
    }

    /// <summary>Waits for the operation's turn.</summary>
    public ValueTask AcquireAsync(string service, string operation, CancellationToken cancellation) =>
        BucketFor(service, operation).AcquireAsync(cancellation);

    /// <summary>AWS throttled the operation although the client kept to its limit: slow its bucket down. Returns the new rate.</summary>
    public double Throttled(string service, string operation) => BucketFor(service, operation).Throttled();

    /// <summary>The requests per second the operation's bucket allows now (infinity when unlimited).</summary>
    public double CurrentRate(string service, string operation) => BucketFor(service, operation).Rate;
}

/// <summary>
/// A token bucket with reservations (a caller that finds it empty takes a future token and sleeps until then, so waiters
/// are served in order), cut to 70% of the rate sent when AWS throttles and raised back one step per quiet 2 s. It holds
/// a little less than AWS's burst: requests the network bunches up on the way still find tokens in AWS's bucket, so the
/// client can send at AWS's full rate without being throttled for jitter. System.Threading.RateLimiting is only in the
/// ASP.NET Core shared framework, which pwsh does not load, so this small one avoids shipping a package.
/// </summary>
internal sealed class TokenBucket
{
    private static readonly TimeSpan RecoveryStep = TimeSpan.FromSeconds(2);
    // The AWS SDKs' adaptive retry mode also keeps 70% of the measured rate after a throttle.
    private const double Cut = 0.7;
    private static readonly TimeSpan ThrottleDebounce = TimeSpan.FromSeconds(1);
    private const double UnlimitedCeiling = 10_000;
    private const int MaxRemembered = 1024;
    /// <summary>
    /// How early a request may reach AWS, relative to the client's schedule, and still find a token there (the first
    /// requests of a burst open connections and arrive after some that follow them): at least one token. Half a second
    /// held 0.5 s of the fleet's 3 s quota floor (bench/README.md); a fifth of one kept the bench at 0 throttled answers.
    /// </summary>
    private static readonly TimeSpan JitterReserve = TimeSpan.FromMilliseconds(200);

    private readonly object _lock = new();
    private readonly Func<TimeSpan> _clock;
    private readonly double _configuredRate;
    private readonly double _capacity;
    private double _rate;
    private double _tokens;
    private TimeSpan _refilledAt;
    private TimeSpan? _lastCut;
    private readonly Queue<TimeSpan> _recent = new();

    public TokenBucket(string key, AwsRateLimit? limit, Func<TimeSpan> clock)
    {
        Key = key;
        _clock = clock;
        _configuredRate = limit?.PerSecond ?? double.PositiveInfinity;
        _capacity = limit is null ? double.PositiveInfinity
            : limit.Burst - Math.Min(limit.Burst - 1, Math.Max(1, limit.PerSecond * JitterReserve.TotalSeconds));
        _rate = _configuredRate;
        _tokens = limit is null ? 0 : _capacity;
        _refilledAt = clock();
    }

    public string Key { get; }

    public double Rate
    {
        get { lock (_lock) return _rate; }
    }

    public ValueTask AcquireAsync(CancellationToken cancellation)
    {
        TimeSpan wait;
        lock (_lock)
        {
            var now = _clock();
            CountRequest(now);
            Recover(now);
            if (double.IsPositiveInfinity(_rate)) return ValueTask.CompletedTask;
            Refill(now);
            _tokens -= 1;
            if (_tokens >= 0) return ValueTask.CompletedTask;
            wait = TimeSpan.FromSeconds(-_tokens / _rate);
        }
        return new ValueTask(WaitAsync(wait, cancellation));
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken cancellation)
    {
        try
        {
            await Task.Delay(wait, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Give the reserved token back so a stopped caller does not slow the others.
            lock (_lock) _tokens += 1;
            throw;
        }
    }

    public double Throttled()
    {
        lock (_lock)
        {
            var now = _clock();
            // Concurrent requests throttled together are one signal, not several.
            if (_lastCut is { } cut && now - cut < ThrottleDebounce) return _rate;
            Refill(now);
            // Cut what was actually sent, not the allowance: a quota far below the published one is found in one step.
            Forget(now);
            var basis = _recent.Count > 0 ? Math.Min(_rate, _recent.Count) : _rate;
            _rate = double.IsPositiveInfinity(basis) ? 1 : Math.Max(Math.Min(1, _configuredRate), basis * Cut);
            _tokens = Math.Min(_tokens, 0);
            _lastCut = now;
            return _rate;
        }
    }

    private void Recover(TimeSpan now)
    {
        if (_lastCut is not { } cut || now - cut < RecoveryStep || _rate >= _configuredRate) return;
        Refill(now);
        _rate /= Cut;
        if (_rate >= _configuredRate || (double.IsPositiveInfinity(_configuredRate) && _rate >= UnlimitedCeiling))
        {
            _rate = _configuredRate;
            _lastCut = null;
        }
        else
        {
            _lastCut = now;
        }
    }

    private void Refill(TimeSpan now)
    {
        if (!double.IsPositiveInfinity(_rate))
        {
            // A slowed bucket also bursts less: a full one would throttle again at once.
            var capacity = _rate >= _configuredRate ? _capacity : Math.Max(1, _rate);
            _tokens = Math.Min(capacity, _tokens + (now - _refilledAt).TotalSeconds * _rate);
        }
        _refilledAt = now;
    }

    private void CountRequest(TimeSpan now)
    {
        Forget(now);
        if (_recent.Count < MaxRemembered) _recent.Enqueue(now);
    }

    /// <summary>Keeps only the requests of the last second: their count is the rate actually sent.</summary>
    private void Forget(TimeSpan now)
    {
        while (_recent.TryPeek(out var sent) && now - sent >= TimeSpan.FromSeconds(1)) _recent.Dequeue();
    }
}
