var b = DistributedApplication.CreateBuilder(args); b.Build().Run();
