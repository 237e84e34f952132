@echo off
rem 运行全部流程并打开报告。Run the whole job and open the report.
rem 用法 Usage: windows\run.bat 数据目录 输出目录 [其他选项，如 --unit 某局 --level 市级 --region 湖南 --city 长沙]
chcp 65001 >nul
setlocal
set "HERE=%~dp0.."
set "EXE=%HERE%\.venv\Scripts\xuncha-audit.exe"
if not exist "%EXE%" (
  echo 尚未安装，请先运行 windows\install.bat。Not installed: run windows\install.bat first.
  exit /b 2
)
if "%~2"=="" (
  echo 用法：windows\run.bat 数据目录 输出目录 [选项]
  echo Usage: windows\run.bat DATA_DIR OUT_DIR [options]
  exit /b 2
)
set "DATA=%~1"
set "OUT=%~2"
shift
shift
set "REST="
:collect
if "%~1"=="" goto go
set "REST=%REST% %1"
shift
goto collect
:go
"%EXE%" run "%DATA%" --out "%OUT%" %REST%
set "RC=%ERRORLEVEL%"
if exist "%OUT%\report.html" start "" "%OUT%\report.html"
exit /b %RC%
