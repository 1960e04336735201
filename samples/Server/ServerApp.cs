using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Codegen.Server;

/// <summary>Builds the web application: Kestrel on <paramref name="url"/>, the OpenAI endpoints over one served model.</summary>
public static class ServerApp
{
    public static WebApplication Build(ServedModel model, int concurrentRequests, string url, bool quiet = false)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        if (quiet)
        {
            builder.Logging.ClearProviders();
        }

        var pool = new SessionPool(model.OpenSession, concurrentRequests);
        builder.Services.AddSingleton(pool);
        WebApplication app = builder.Build();
        new OpenAiEndpoints(model, pool).Map(app);
        app.Lifetime.ApplicationStopped.Register(pool.Dispose);
        return app;
    }
}
