import { Module } from '@nestjs/common';

import { ProvisioningModule } from '../provisioning/provisioning.module';
import { ExportService } from './export.service';
import { ImportController } from './import.controller';
import { ImportService } from './import.service';

@Module({ imports: [ProvisioningModule], controllers: [ImportController], providers: [ImportService, ExportService] })
export class ImportModule {}
