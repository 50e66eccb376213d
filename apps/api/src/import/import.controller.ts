import { Readable } from 'node:stream';

import { Body, Controller, Get, Header, Headers, HttpCode, Post, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { Roles } from '../auth/decorators';
import { ApiError } from '../common/api-error';
import { validationExceptionFactory } from '../common/validation';
import { SchoolQueryDto } from '../schools/dto/school.dto';
import { assertCsvShape } from './csv-limits';
import { ImportDevicesJsonDto, ImportQueryDto, ImportSummaryDto } from './dto/import.dto';
import { ExportService } from './export.service';
import { ImportService } from './import.service';

@ApiTags('import')
@ApiBearerAuth()
@Controller()
export class ImportController {
  constructor(
    private readonly importer: ImportService,
    private readonly exporter: ExportService,
  ) {}

  /**
   * The body is either the raw devices.csv (`text/csv` or `text/plain`, parsed by the text body
   * parser in createApp) or JSON `{csv, dryRun?}`. `?dryRun=true` works with both.
   */
  @Post('import/devices')
  @HttpCode(200)
  @Roles('admin', 'operator')
  @ApiConsumes('text/csv', 'text/plain', 'application/json')
  @ApiBody({ type: ImportDevicesJsonDto, description: 'JSON form; or the raw devices.csv text as text/csv' })
  @ApiOkResponse({ type: ImportSummaryDto })
  @ApiUnsupportedMediaTypeResponse({ description: 'neither text/csv, text/plain nor JSON' })
  async importDevices(
    @Body() body: unknown,
    @Query() query: ImportQueryDto,
    @Headers('content-type') contentType: string | undefined,
  ): Promise<{ data: ImportSummaryDto }> {
    const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
    let csv: string;
    let dryRun = query.dryRun ?? false;
    if (type === 'text/csv' || type === 'text/plain') {
      csv = typeof body === 'string' ? body : '';
    } else if (type === 'application/json') {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw ApiError.validation('csv', 'the JSON body must be an object {"csv": "...", "dryRun": false}');
      }
      const dto = plainToInstance(ImportDevicesJsonDto, body);
      const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
      if (errors.length > 0) throw validationExceptionFactory(errors);
      csv = dto.csv;
      dryRun = dto.dryRun ?? dryRun;
    } else {
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type "${type || '(none)'}" is not accepted: send the devices.csv as text/csv (or text/plain), or JSON {"csv": "...", "dryRun": false}`,
      );
    }
    assertCsvShape(csv);
    return { data: await this.importer.importDevices(csv, dryRun, query.school) };
  }

  @Get('export/devices')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="devices.csv"')
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'every host as a 15-column devices.csv line (DOMAIN.md §2), header comment first' })
  async exportDevices(@Query() query: SchoolQueryDto): Promise<StreamableFile> {
    // one school's file (default-school without ?school=), as /etc/linuxmuster/sophomorix/<S>/ holds it
    const school = await this.exporter.school(query.school);
    // streamed: memory stays flat at 100,000 hosts (ExportService.devicesCsvChunks)
    return new StreamableFile(Readable.from(this.exporter.devicesCsvChunks(school)), {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="devices.csv"',
    });
  }

  @Get('export/hosts')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="hosts.csv"')
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description:
      'every host with its provisioning state as a spreadsheet CSV (header row, comma separated, RFC 4180 quoting); not a devices.csv',
  })
  async exportHostsSheet(@Query() query: SchoolQueryDto): Promise<StreamableFile> {
    // every school's hosts without ?school=: streamed, memory stays flat (ExportService.hostsSpreadsheetChunks)
    const school = query.school === undefined ? undefined : await this.exporter.school(query.school);
    return new StreamableFile(Readable.from(this.exporter.hostsSpreadsheetChunks(school)), {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="hosts.csv"',
    });
  }
}
