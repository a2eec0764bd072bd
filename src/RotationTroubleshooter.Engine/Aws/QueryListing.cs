using System.Globalization;
using System.Xml.Linq;

namespace RotationTroubleshooter.Aws;

/// <summary>Marker-paginated Describe calls of the query-protocol services (RDS, Redshift): every item, up to a page cap.</summary>
internal static class QueryListing
{
    public static async Task<List<XElement>> ListAsync(AwsPipeline pipeline, AwsService service, string apiVersion, string operation,
        string listName, IReadOnlyList<KeyValuePair<string, string>> filter, int pageSize, int maxPages, CancellationToken cancellation)
    {
        var items = new List<XElement>();
        var pages = 0;
        await foreach (var item in AwsPaging.PaginateAsync(
            async (marker, ct) =>
            {
                if (++pages > maxPages)
                    throw new TroubleshooterException(ErrorIds.TooManyResults, FailureCategory.LimitsExceeded,
                        $"{service.SigningName}:{operation} returned more than {maxPages} pages of {pageSize}; stopped reading.");
                var parameters = new List<KeyValuePair<string, string>>(filter) { new("MaxRecords", pageSize.ToString(CultureInfo.InvariantCulture)) };
                if (marker is not null) parameters.Add(new("Marker", marker));
                var root = await pipeline.QueryAsync(service, operation, apiVersion, parameters, ct).ConfigureAwait(false);
                return root.Child(operation + "Result");
            },
            page => page.Child(listName)?.Elements() ?? [],
            page => page.Child("Marker")?.Value, cancellation).ConfigureAwait(false))
        {
            items.Add(item);
        }
        return items;
    }
}
