using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Hosting;
using Andon.BuildingBlocks.Persistence;
using Andon.Files.Features.Catalog;
using Andon.Files.Features.Download;
using Andon.Files.Features.RoomCopies;
using Andon.Files.Features.Upload;
using Andon.Files.Infrastructure.Persistence;
using Andon.Files.Infrastructure.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Minio;
using Polly;
using Polly.Registry;

namespace Andon.Files;

/// <summary>The files service as a module: uploads judged by their bytes, object storage, thumbnails, safe downloads.</summary>
public static class FilesModule
{
    public static WebApplicationBuilder AddFilesService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddValidatedOptions<FilesOptions>(builder.Configuration, "Files");
        builder.AddAndonDatabase<FilesDb, PostgresFilesDb, SqliteFilesDb>("Files");
        builder.Services.AddSingleton<IObjectStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<FilesOptions>>().Value;
            return options.Storage == StorageKind.S3
                ? new S3ObjectStore(S3Client(options.S3), options.S3.Bucket, sp.GetRequiredService<ResiliencePipelineProvider<string>>(), sp.GetRequiredService<ILogger<S3ObjectStore>>())
                : new DiskObjectStore(Path.GetFullPath(options.DiskPath, sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        });
        builder.Services.AddResiliencePipeline(S3ObjectStore.Pipeline, (pipeline, context) =>
        {
            var timeout = context.ServiceProvider.GetRequiredService<IOptions<FilesOptions>>().Value.S3.TimeoutSeconds;
            pipeline
                .AddRetry(new()
                {
                    MaxRetryAttempts = 2,
                    Delay = TimeSpan.FromMilliseconds(200),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not (Minio.Exceptions.ObjectNotFoundException or OperationCanceledException)),
                })
                .AddTimeout(TimeSpan.FromSeconds(timeout));
        });
        builder.Services.AddHostedService<BucketOnStart>();
        builder.AddBusConsumers(x => x.AddConsumer<RoomEventConsumers>());
        return builder;
    }

    public static WebApplication MapFilesService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapUploadEndpoint();
        app.MapCatalogEndpoints();
        app.MapDownloadEndpoints();
        return app;
    }

    private static IMinioClient S3Client(S3Options s3)
    {
        var (host, port) = s3.Endpoint.Split(':') is [var h, var p] ? (h, int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)) : (s3.Endpoint, s3.UseSsl ? 443 : 80);
        var client = new MinioClient().WithEndpoint(host, port).WithCredentials(s3.AccessKey, s3.SecretKey).WithSSL(s3.UseSsl).WithTimeout(s3.TimeoutSeconds * 1000);
        if (!string.IsNullOrEmpty(s3.Region))
        {
            client = client.WithRegion(s3.Region);
        }

        return client.Build();
    }
}

/// <summary>Creates the bucket at start if it is missing; if the store is down, uploads try again (and answer 503 until it is back).</summary>
internal sealed class BucketOnStart(IObjectStore store, ILogger<BucketOnStart> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await store.EnsureReadyAsync(stoppingToken);
        }
        catch (Andon.BuildingBlocks.Errors.ServiceUnavailableException ex)
        {
            logger.LogWarning(ex, "The object store is not reachable at start; uploads will answer 503 until it is");
        }
    }
}
