using System.Net;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Bundles;

/// <summary>
/// Downloads a rotation function's deployment package and layers and inspects every libpq in them, once per function
/// per run (<see cref="FunctionInputs.Bundle"/>), so every cmdlet and check of the run shares one download.
/// </summary>
public sealed class FunctionBundleService : IRunService<FunctionBundleService>
{
    // A zip stores its entries plus headers: an honest package is at most a little larger than its unzipped content.
    private const long ZipOverheadBytes = 16L * 1024 * 1024;

    private readonly AwsSession _session;
    private readonly ZipLimits _limits;
    private readonly BundleDownloader _downloader;
    private readonly LambdaLayersClient _layers;

    public FunctionBundleService(AwsSession session) : this(session, ZipLimits.Default, new BundleDownloadOptions()) { }

    public FunctionBundleService(AwsSession session, ZipLimits limits, BundleDownloadOptions downloadOptions)
    {
        _session = session;
        _limits = limits;
        _downloader = new BundleDownloader(session.Pipeline.HttpClient, downloadOptions);
        _layers = session.Get<LambdaLayersClient>();
    }

    /// <summary>The run's shared instance.</summary>
    public static FunctionBundleService Create(AwsSession session) => new(session);

    /// <summary>Says what is being downloaded (for -Verbose); raised on worker threads.</summary>
    public event Action<string>? Activity;

    /// <summary>
    /// One report per libpq, native module or pure-Python driver in the function and its layers; one "not
    /// inspectable" report for a container image function or a layer that could not be read.
    /// </summary>
    /// <exception cref="TroubleshooterException">FunctionNotFound, CodeLocationUnavailable, BundleDownload*, BundleCorrupt, BundleTooLarge, Aws*.</exception>
    public async Task<IReadOnlyList<LibpqReport>> ForFunctionAsync(string functionName, CancellationToken cancellation)
    {
        // Keyed by the function's ARN, as the diagnosis keys it: asked for by name and by ARN, it is downloaded once.
        var function = await _session.GetFunctionAsync(functionName, cancellation).ConfigureAwait(false);
        var key = function.Configuration.FunctionArn ?? AwsArn.CheckFunctionName(functionName);
        return await FunctionInputs.Bundle.GetAsync(_session, key, ct => InspectFunctionAsync(key, ct), cancellation).ConfigureAwait(false);
    }

    /// <summary>Reads and inspects the function's bundle now; the run's shared read is <see cref="FunctionInputs.Bundle"/>.</summary>
    internal async Task<IReadOnlyList<LibpqReport>> InspectFunctionAsync(string functionName, CancellationToken cancellation)
    {
        var (function, inspection) = await InspectOnceAsync(functionName, cancellation).ConfigureAwait(false);
        return inspection.Libpq.Select(r => r.For(function.Configuration.FunctionArn, null)).ToList();
    }

    /// <summary>
    /// The bundle's fit to the function's runtime, architecture and drivers (<see cref="FunctionInputs.BundleFit"/>); null
    /// for a container image, whose code Lambda does not hand out.
    /// </summary>
    internal async Task<BundleFit?> InspectFitAsync(string functionName, CancellationToken cancellation) =>
        (await InspectOnceAsync(functionName, cancellation).ConfigureAwait(false)).Inspection.Fit;

    /// <summary>What one download of the package and layers tells: their libpq builds and their fit.</summary>
    private sealed record Inspection(IReadOnlyList<LibpqReport> Libpq, BundleFit? Fit);

    // The libpq reports and the fit come from one download per function per run, whichever is asked for first.
    private static readonly object InspectionKind = new();

    private async Task<(LambdaFunction Function, Inspection Inspection)> InspectOnceAsync(string functionName, CancellationToken cancellation)
    {
        var function = await _session.GetFunctionAsync(functionName, cancellation).ConfigureAwait(false);
        var key = function.Configuration.FunctionArn ?? functionName;
        var inspection = await _session.Cache.GetAsync(InspectionKind, key, ct => InspectAsync(functionName, function, ct), cancellation).ConfigureAwait(false);
        return (function, inspection);
    }

    /// <summary>The reports for the secret's rotation function (found with DescribeSecret).</summary>
    /// <exception cref="TroubleshooterException">SecretNotFound, RotationNotConfigured, and those of <see cref="ForFunctionAsync"/>.</exception>
    public async Task<IReadOnlyList<LibpqReport>> ForSecretAsync(string secretId, CancellationToken cancellation)
    {
        var (secret, functionArn) = await _session.RotationFunctionOfAsync(secretId, "inspect a function with -FunctionName or a bundle with -Path", cancellation).ConfigureAwait(false);
        var reports = await ForFunctionAsync(functionArn, cancellation).ConfigureAwait(false);
        return reports.Select(r => r.For(r.FunctionArn, secret.ARN)).ToList();
    }

    /// <summary>Offline: a zip, a folder (an unpacked bundle) or one shared object; no AWS call.</summary>
    /// <exception cref="TroubleshooterException">PathNotFound, BundleCorrupt, BundleTooLarge.</exception>
    public static IReadOnlyList<LibpqReport> InspectPath(string path, ZipLimits? limits = null, CancellationToken cancellation = default)
    {
        return LibpqInspector.InspectPath(path, limits: limits, cancellationToken: cancellation);
    }


    private long DownloadCap => _limits.MaxTotalUncompressedBytes + ZipOverheadBytes;

    private async Task<Inspection> InspectAsync(string requestedName, LambdaFunction function, CancellationToken cancellation)
    {
        var config = function.Configuration;
        var name = config.FunctionName ?? requestedName;
        if (string.Equals(config.PackageType, "Image", StringComparison.OrdinalIgnoreCase))
            return new Inspection([LibpqInspector.NotInspectable(name,
                $"{name} is deployed as a container image (PackageType Image{(function.Code?.ImageUri is { } image ? $", {image}" : "")}): " +
                "its code lives in Amazon ECR, not in a zip Lambda can hand out, so its libpq was not inspected. Copy /var/task and /opt " +
                "out of the image (docker create, then docker cp) and run Test-LibpqScramSupport -Path on those folders.")], null);

        var streams = new List<Stream>();
        try
        {
            var package = await DownloadFunctionAsync(requestedName, name, function.Code?.Location, cancellation).ConfigureAwait(false);
            streams.Add(package);
            var layers = new List<(Stream Zip, string Source)>();
            var unreadable = new List<LibpqReport>();
            foreach (var layerArn in (config.Layers ?? []).Select(l => l.Arn).OfType<string>())
            {
                try
                {
                    // Lambda's limit covers the function and its layers together, so the downloads share one budget.
                    var zip = await DownloadLayerAsync(layerArn, DownloadCap - streams.Sum(s => s.Length), cancellation).ConfigureAwait(false);
                    streams.Add(zip);
                    layers.Add((zip, layerArn));
                }
                catch (TroubleshooterException e) when (e is AwsServiceException { Kind: AwsErrorKind.AccessDenied or AwsErrorKind.NotFound } or BundleDownloadException)
                {
                    // The function's own package is still worth judging; the report says which layer is missing and why.
                    unreadable.Add(LibpqInspector.NotInspectable(layerArn, $"Layer {layerArn} of {name} could not be read: {e.Message}"));
                }
            }
            IReadOnlyList<LibpqReport> libpq = [.. unreadable, .. LibpqInspector.InspectFunction(package, name, layers, _limits, cancellation)];
            package.Position = 0;
            foreach (var (zip, _) in layers) zip.Position = 0;
            var facts = new FunctionRuntimeFacts(config.Runtime, config.Architectures?.FirstOrDefault(), config.Handler,
                config.Environment?.Variables?.GetValueOrDefault("LD_LIBRARY_PATH"));
            var fit = BundleFitInspector.InspectFunction(package, name, layers, facts, _limits, cancellation);
            return new Inspection(libpq, unreadable.Count == 0 ? fit : fit.WithNotes(unreadable.Select(u => u.Evidence.FirstOrDefault() ?? u.Path ?? u.Source)));
        }
        finally
        {
            foreach (var stream in streams)
                await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<Stream> DownloadFunctionAsync(string requestedName, string name, string? location, CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(location))
            throw new TroubleshooterException(ErrorIds.CodeLocationUnavailable, FailureCategory.PermissionDenied,
                $"Lambda gave no download location for '{name}': reading a function's code needs lambda:GetFunction (lambda:GetFunctionConfiguration is not enough).");
        var what = $"the deployment package of '{name}'";
        Activity?.Invoke($"Downloading {what}.");
        try
        {
            return await _downloader.DownloadAsync(location, what, DownloadCap, cancellation).ConfigureAwait(false);
        }
        catch (BundleDownloadException e) when (e.StatusCode == HttpStatusCode.Forbidden)
        {
            // The run's cached GetFunction answer can be older than the URL's 10 minutes: ask Lambda for a fresh URL once.
            Activity?.Invoke($"S3 refused {what}; asking Lambda for a fresh download URL.");
            var fresh = await _session.Lambda.GetFunctionAsync(requestedName, cancellation).ConfigureAwait(false);
            return await _downloader.DownloadAsync(fresh.Code?.Location ?? "", what, DownloadCap, cancellation).ConfigureAwait(false);
        }
    }

    private async Task<Stream> DownloadLayerAsync(string layerArn, long maxBytes, CancellationToken cancellation)
    {
        var what = $"layer {layerArn}";
        for (var attempt = 1; ; attempt++)
        {
            var layer = await _layers.GetLayerVersionByArnAsync(layerArn, cancellation).ConfigureAwait(false);
            if (layer.Content?.CodeSize > maxBytes)
                throw new BundleDownloadException(ErrorIds.BundleTooLarge, FailureCategory.LimitsExceeded,
                    $"Layer {layerArn} is {layer.Content.CodeSize:N0} bytes, over the {maxBytes:N0} left of the {DownloadCap:N0} allowed for the function and its layers; it was not downloaded.");
            Activity?.Invoke($"Downloading {what}.");
            try
            {
                return await _downloader.DownloadAsync(layer.Content?.Location ?? "", what, maxBytes, cancellation).ConfigureAwait(false);
            }
            catch (BundleDownloadException e) when (e.StatusCode == HttpStatusCode.Forbidden && attempt == 1)
            {
                Activity?.Invoke($"S3 refused {what}; asking Lambda for a fresh download URL.");
            }
        }
    }
}
